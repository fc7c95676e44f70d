/* SPDX-License-Identifier: MIT
 * mqtls (internal): calendar arithmetic shared by the TLS engines, the
 * credentials toolkit and the SimpleLink emulation, without timegm() or a TZ. */
#ifndef MQTLS_CIVIL_H
#define MQTLS_CIVIL_H

#include <stdint.h>

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil); m is 1..12, d 1..31. */
static inline int64_t mqtls__days_from_civil(int64_t y, int64_t m, int64_t d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

#endif /* MQTLS_CIVIL_H */
