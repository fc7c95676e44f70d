/* SPDX-License-Identifier: MIT
 * mqtls: the firmware's MQTT session, over whatever transport main() built. */
#ifndef MQTLS_MPS2_APP_H
#define MQTLS_MPS2_APP_H

#include <stdint.h>

#include "mqtls/transport.h"

/**
 * Connect (MQTT 3.1.1, clean session) as `client_id`, subscribe to `topic`
 * at QoS 2, publish one message at each of QoS 0, 1 and 2 to it, wait until
 * all three came back and every exchange completed, disconnect. Prints one
 * "fw: ..." line per step on the semihosting console.
 * @return MQTLS_OK, or the first error (its name is printed).
 */
int32_t mqtls_fw_session(const mqtls_transport_t *t, const char *client_id, const char *topic);

#endif /* MQTLS_MPS2_APP_H */
