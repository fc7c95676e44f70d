/* SPDX-License-Identifier: MIT
 * mqtls compat: the SimpleLink secure sockets and device clock, on mqtls. */
/*
 * see mqtls/compat/simplelink.h. A socket is a slot of a static table
 * holding a TCP connection and, for a secure socket, an mqtls TLS session
 * over it. sl_Connect does what the chip's network processor does, in its
 * order: check the method, the mask and the flash files (each bad file has
 * its own code), connect, handshake with the device's clock as the
 * verifier's clock, and report what the chip reports (connected with -453
 * or -461 included). Every mqtls result becomes a SimpleLink code through
 * mqtls_sl_code(), the table the doctor shares.
 *
 * Rejected: checking the files with mqtls_store_check(). It judges the set
 * as a whole (key against certificate, certificate against CA, dates) and
 * would turn problems the chip only meets in the handshake into file
 * errors; here a file is "bad" only for what the chip refuses to load.
 */
#include <netdb.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "mqtls/cred.h"
#include "mqtls/slcodes.h"
#include "mqtls/tcp.h"
#include "mqtls/tls.h"
#include "sl_priv.h"
#include "util/civil.h"

#define CONNECT_TIMEOUT_MS 10000u
#define HANDSHAKE_TIMEOUT_MS 10000u
#define NAME_MAX_LEN 128

typedef struct {
    bool used;
    bool secure;
    bool connected;
    bool nonblocking;
    bool mask_set;
    uint8_t method;
    uint32_t mask;
    uint8_t ids[4];             /* SL_SO_SECURE_FILES */
    char names[4][NAME_MAX_LEN]; /* by-name files (30..33), win over ids */
    char domain[256];           /* SL_SO_SECURE_DOMAIN_NAME_VERIFICATION */
    char ca_subject[256];       /* the CA file's certificate, for the NWP's CA rule */
    uint32_t rcvtimeo_ms;       /* 0: wait forever */
    mqtls_tcp_t tcp;
    mqtls_tls_t *tls;
    mqtls_tls_report_t report;
    mqtls_transport_t tr;       /* TCP, or TLS over it */
    int32_t last_err;           /* mqtls_err_t of the last failure */
    char detail[256];
} sl_sock_t;

static sl_sock_t socks[MQTLS_SL_MAX_SOCKETS];
static char flash_dir[512];
static bool flash_given;

/* ---- device clock ------------------------------------------------------------------ */

static bool clock_started;
static bool clock_is_set;
static int64_t clock_base;  /* device date at clock_at */
static uint32_t clock_at;   /* monotonic ms */

static void clock_start(void)
{
    if (!clock_started) {
        clock_started = true;
        clock_is_set = false;
        clock_base = MQTLS_SL_RESET_TIME;
        clock_at = mqtls_posix_now_ms(NULL);
    }
}

int64_t mqtls_sl_device_time(void)
{
    clock_start();
    return clock_base + (int64_t)((uint32_t)(mqtls_posix_now_ms(NULL) - clock_at) / 1000u);
}

int mqtls_sl_clock_set(void)
{
    return clock_is_set ? 1 : 0;
}

static bool leap(unsigned long y)
{
    return (y % 4u == 0u && y % 100u != 0u) || y % 400u == 0u;
}

_i32 sl_DevSet(const _u8 DeviceSetId, const _u8 Option, const _u8 ConfigLen, const _u8 *pValues)
{
    if (DeviceSetId != SL_DEVICE_GENERAL_CONFIGURATION || Option != SL_DEVICE_GENERAL_CONFIGURATION_DATE_TIME) {
        return SL_EINVAL; /* nothing else of the device is emulated */
    }
    if (pValues == NULL || ConfigLen < sizeof(SlDateTime_t)) {
        return SL_EINVAL;
    }
    SlDateTime_t dt;
    memcpy(&dt, pValues, sizeof dt);
    static const unsigned char mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    if (dt.sl_tm_year < 1970u || dt.sl_tm_year > 9999u || dt.sl_tm_mon < 1u || dt.sl_tm_mon > 12u ||
        dt.sl_tm_day < 1u || dt.sl_tm_hour > 23u || dt.sl_tm_min > 59u || dt.sl_tm_sec > 59u) {
        return SL_EINVAL;
    }
    unsigned long dim = mdays[dt.sl_tm_mon - 1u] + (dt.sl_tm_mon == 2u && leap(dt.sl_tm_year) ? 1u : 0u);
    if (dt.sl_tm_day > dim) {
        return SL_EINVAL;
    }
    clock_start();
    clock_base = mqtls__days_from_civil((int64_t)dt.sl_tm_year, (int64_t)dt.sl_tm_mon, (int64_t)dt.sl_tm_day) * 86400 +
                 (int64_t)dt.sl_tm_hour * 3600 + (int64_t)dt.sl_tm_min * 60 + (int64_t)dt.sl_tm_sec;
    clock_at = mqtls_posix_now_ms(NULL);
    clock_is_set = true;
    return 0;
}

_i32 sl_DevGet(const _u8 DeviceGetId, _u8 *pOption, _u8 *pConfigLen, _u8 *pValues)
{
    if (DeviceGetId != SL_DEVICE_GENERAL_CONFIGURATION || pOption == NULL ||
        *pOption != SL_DEVICE_GENERAL_CONFIGURATION_DATE_TIME || pConfigLen == NULL || pValues == NULL ||
        *pConfigLen < sizeof(SlDateTime_t)) {
        return SL_EINVAL;
    }
    int64_t t = mqtls_sl_device_time();
    int64_t days = t / 86400, s = t % 86400;
    /* civil_from_days (H. Hinnant) */
    int64_t z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097, yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9, y = yoe + era * 400 + (m <= 2);
    SlDateTime_t dt;
    memset(&dt, 0, sizeof dt);
    dt.sl_tm_year = (_u32)y;
    dt.sl_tm_mon = (_u32)m;
    dt.sl_tm_day = (_u32)d;
    dt.sl_tm_hour = (_u32)(s / 3600);
    dt.sl_tm_min = (_u32)(s / 60 % 60);
    dt.sl_tm_sec = (_u32)(s % 60);
    dt.sl_tm_week_day = (_u32)((days + 4) % 7); /* 1970-01-01 was a Thursday; 0 = Sunday */
    memcpy(pValues, &dt, sizeof dt);
    *pConfigLen = (_u8)sizeof dt;
    return 0;
}

/* ---- start, stop, reset, flash ------------------------------------------------------- */

void mqtls_sl_init(const char *dir)
{
    flash_given = dir != NULL;
    snprintf(flash_dir, sizeof flash_dir, "%s", dir != NULL ? dir : "");
}

static const char *flash(void)
{
    if (flash_given) {
        return flash_dir;
    }
    const char *env = getenv("MQTLS_SL_FLASH");
    return env != NULL && env[0] != '\0' ? env : ".";
}

static void close_all(void)
{
    for (int i = 0; i < MQTLS_SL_MAX_SOCKETS; i++) {
        if (socks[i].used) {
            sl_Close((_i16)i);
        }
    }
}

_i16 sl_Start(const void *pIfHdl, _i8 *pDevName, const P_INIT_CALLBACK pInitCallBack)
{
    (void)pIfHdl;
    (void)pDevName;
    clock_start();
    if (pInitCallBack != NULL) {
        pInitCallBack(ROLE_STA);
    }
    return ROLE_STA;
}

_i16 sl_Stop(const _u16 timeout)
{
    (void)timeout;
    close_all(); /* the network processor's sockets do not survive it; its clock does */
    return 0;
}

void mqtls_sl_reset(void)
{
    close_all();
    clock_started = false;
    clock_start();
}

/* ---- names, byte order ------------------------------------------------------------- */

_u32 sl_Htonl(_u32 val)
{
    return (_u32)htonl((uint32_t)val);
}

_u16 sl_Htons(_u16 val)
{
    return htons(val);
}

_i16 sl_NetAppDnsGetHostByName(_i8 *hostname, const _u16 usNameLen, _u32 *out_ip_addr, const _u8 family)
{
    if (hostname == NULL || out_ip_addr == NULL || usNameLen == 0u || family != SL_AF_INET) {
        return SL_EINVAL;
    }
    char name[256];
    size_t n = usNameLen < sizeof name - 1u ? usNameLen : sizeof name - 1u;
    memcpy(name, hostname, n);
    name[n] = '\0';
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(name, NULL, &hints, &res) != 0 || res == NULL) {
        return (_i16)mqtls_sl_code(MQTLS_ERR_DNS, NULL); /* the doctor predicts the same */
    }
    const struct sockaddr_in *sin = (const struct sockaddr_in *)(const void *)res->ai_addr;
    *out_ip_addr = (_u32)ntohl(sin->sin_addr.s_addr);
    freeaddrinfo(res);
    return 0;
}

/* ---- method and mask ------------------------------------------------------------------- */

/* The mask's suites live in mqtls/slcodes.h, shared with `mqtls doctor --store`. */
const char *mqtls_sl_mask_bit_name(unsigned bit)
{
    return mqtls_sl_suite_name(bit);
}

size_t mqtls_sl_mask_ciphers(_u32 mask, char *buf, size_t len)
{
    return mqtls_sl_suites((uint32_t)mask, buf, len);
}

static mqtls_tls_engine_t engine(void)
{
    mqtls_tls_engine_t e = mqtls_tls_engine_default();
    const char *env = getenv("MQTLS_SL_ENGINE");
    if (env != NULL && env[0] != '\0' && mqtls_tls_engine_parse(env, &e) != MQTLS_OK) {
        e = mqtls_tls_engine_default();
    }
    return e;
}

_u32 mqtls_sl_mask_unsupported(_u32 mask)
{
    return (_u32)mqtls_sl_suites_lacking(engine(), (uint32_t)mask);
}

_i16 mqtls_sl_method_versions(_u8 method, uint16_t *min, uint16_t *max)
{
    switch (method) {
    case SL_SO_SEC_METHOD_TLSV1_2:
    case SL_SO_SEC_METHOD_SSLv3_TLSV1_2:
        /* SSLv3..TLS 1.2: only 1.2 is left; the chip has no TLS 1.3. */
        if (min != NULL) {
            *min = MQTLS_TLS_V1_2;
        }
        if (max != NULL) {
            *max = MQTLS_TLS_V1_2;
        }
        return 0;
    case SL_SO_SEC_METHOD_SSLV3:
    case SL_SO_SEC_METHOD_TLSV1:
    case SL_SO_SEC_METHOD_TLSV1_1:
        return SL_ESEC_PROTOCOL_VERSION; /* RFC 8996: mqtls speaks no TLS below 1.2 */
    default:
        return SL_EINVAL;
    }
}

/* ---- sockets ---------------------------------------------------------------------------- */

static sl_sock_t *sock(_i16 sd)
{
    return sd >= 0 && sd < MQTLS_SL_MAX_SOCKETS && socks[sd].used ? &socks[sd] : NULL;
}

_i16 sl_Socket(_i16 Domain, _i16 Type, _i16 Protocol)
{
    if (Domain != SL_AF_INET) {
        return SL_EAFNOSUPPORT;
    }
    if (Type != SL_SOCK_STREAM || (Protocol != 0 && Protocol != SL_IPPROTO_TCP && Protocol != SL_SEC_SOCKET)) {
        return SL_EOPNOTSUPP; /* only TCP is emulated */
    }
    clock_start();
    for (int i = 0; i < MQTLS_SL_MAX_SOCKETS; i++) {
        if (!socks[i].used) {
            sl_sock_t *s = &socks[i];
            memset(s, 0, sizeof *s);
            s->used = true;
            s->secure = Protocol == SL_SEC_SOCKET;
            s->method = SL_SO_SEC_METHOD_SSLv3_TLSV1_2;
            s->mask = SL_SEC_MASK_SECURE_DEFAULT;
            mqtls_tcp_init(&s->tcp);
            return (_i16)i;
        }
    }
    return SL_ENSOCK;
}

static _i16 set_name(sl_sock_t *s, int slot, const void *optval, SlSocklen_t optlen)
{
    if (optlen == 0u || optlen >= NAME_MAX_LEN) {
        return SL_EINVAL;
    }
    memcpy(s->names[slot], optval, optlen);
    s->names[slot][optlen] = '\0';
    return 0;
}

_i16 sl_SetSockOpt(_i16 sd, _i16 level, _i16 optname, const void *optval, SlSocklen_t optlen)
{
    sl_sock_t *s = sock(sd);
    if (s == NULL) {
        return SL_EBADF;
    }
    if (level != SL_SOL_SOCKET || optval == NULL) {
        return SL_EINVAL;
    }
    switch (optname) {
    case SL_SO_SECMETHOD:
        if (optlen < sizeof(SlSockSecureMethod)) {
            return SL_EINVAL;
        }
        s->method = ((const SlSockSecureMethod *)optval)->secureMethod;
        return 0;
    case SL_SO_SECURE_MASK:
        if (optlen < sizeof(SlSockSecureMask)) {
            return SL_EINVAL;
        }
        s->mask = (uint32_t)((const SlSockSecureMask *)optval)->secureMask;
        s->mask_set = true;
        return 0;
    case SL_SO_SECURE_FILES:
        if (optlen < sizeof(SlSockSecureFiles_t)) {
            return SL_EINVAL;
        }
        memcpy(s->ids, optval, 4);
        return 0;
    case SL_SO_SECURE_FILES_PRIVATE_KEY_FILE_NAME:
        return set_name(s, 0, optval, optlen);
    case SL_SO_SECURE_FILES_CERTIFICATE_FILE_NAME:
        return set_name(s, 1, optval, optlen);
    case SL_SO_SECURE_FILES_CA_FILE_NAME:
        return set_name(s, 2, optval, optlen);
    case SL_SO_SECURE_FILES_DH_KEY_FILE_NAME:
        return set_name(s, 3, optval, optlen);
    case SL_SO_SECURE_DOMAIN_NAME_VERIFICATION:
        if (optlen == 0u || optlen >= sizeof s->domain) {
            return SL_EINVAL;
        }
        memcpy(s->domain, optval, optlen);
        s->domain[optlen] = '\0';
        return 0;
    case SL_SO_NONBLOCKING:
        if (optlen < sizeof(SlSockNonblocking_t)) {
            return SL_EINVAL;
        }
        s->nonblocking = ((const SlSockNonblocking_t *)optval)->NonblockingEnabled != 0u;
        return 0;
    case SL_SO_RCVTIMEO: {
        if (optlen < sizeof(SlTimeval_t)) {
            return SL_EINVAL;
        }
        const SlTimeval_t *tv = optval;
        unsigned long ms = tv->tv_sec * 1000ul + tv->tv_usec / 1000ul;
        s->rcvtimeo_ms = ms > 0xFFFFFFFEul ? 0xFFFFFFFEu : (uint32_t)ms;
        if (s->rcvtimeo_ms == 0u && (tv->tv_sec != 0u || tv->tv_usec != 0u)) {
            s->rcvtimeo_ms = 1u;
        }
        return 0;
    }
    case SL_SO_KEEPALIVE:
        return 0; /* accepted; MQTT's keepalive does the work */
    default:
        return SL_ENOPROTOOPT;
    }
}

_i16 sl_GetSockOpt(_i16 sd, _i16 level, _i16 optname, void *optval, SlSocklen_t *optlen)
{
    sl_sock_t *s = sock(sd);
    if (s == NULL) {
        return SL_EBADF;
    }
    if (level != SL_SOL_SOCKET || optval == NULL || optlen == NULL) {
        return SL_EINVAL;
    }
    if (optname == SL_SO_SECURE_MASK && *optlen >= sizeof(SlSockSecureMask)) {
        ((SlSockSecureMask *)optval)->secureMask = s->mask;
        *optlen = sizeof(SlSockSecureMask);
        return 0;
    }
    if (optname == SL_SO_SECMETHOD && *optlen >= sizeof(SlSockSecureMethod)) {
        ((SlSockSecureMethod *)optval)->secureMethod = s->method;
        *optlen = sizeof(SlSockSecureMethod);
        return 0;
    }
    return SL_ENOPROTOOPT;
}

/* ---- the flash files -------------------------------------------------------------------- */

/* The path of slot i (0 key, 1 cert, 2 CA, 3 DH), "" when the slot is empty. */
static void file_path(const sl_sock_t *s, int i, char *out, size_t len)
{
    out[0] = '\0';
    if (s->names[i][0] != '\0') {
        const char *n = s->names[i];
        int w = snprintf(out, len, "%s%s%s", flash(), n[0] == '/' ? "" : "/", n);
        if (w < 0 || (size_t)w >= len) {
            out[0] = '\0'; /* too long: a bad name */
        }
    } else if (s->ids[i] != 0u) {
        char entry[8];
        snprintf(entry, sizeof entry, "%u", (unsigned)s->ids[i]);
        if (mqtls_store_path(flash(), entry, out, len) != MQTLS_OK) {
            out[0] = '\0';
        }
    }
}

/* The length of the DER element at buf, 0 if it is not one. */
static size_t der_element_len(const uint8_t *buf, size_t len)
{
    if (len < 2u || buf[0] != 0x30u) {
        return 0;
    }
    size_t body, hdr;
    if (buf[1] < 0x80u) {
        body = buf[1];
        hdr = 2;
    } else {
        size_t nb = buf[1] & 0x7Fu;
        if (nb == 0u || nb > 4u || len < 2u + nb) {
            return 0;
        }
        body = 0;
        for (size_t i = 0; i < nb; i++) {
            body = (body << 8) | buf[2u + i];
        }
        hdr = 2u + nb;
    }
    return body <= len - hdr ? hdr + body : 0u;
}

static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return NULL;
    }
    uint8_t *buf = NULL;
    size_t cap = 0, n = 0;
    for (;;) {
        if (n == cap) {
            size_t ncap = cap == 0u ? 4096u : cap * 2u;
            uint8_t *b = ncap > (1u << 20) ? NULL : realloc(buf, ncap);
            if (b == NULL) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = b;
            cap = ncap;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0u) {
            break;
        }
    }
    fclose(f);
    *len = n;
    return buf;
}

static void copy_text(char *dst, size_t size, const char *src);

static const char *const slot_name[4] = { "private key", "certificate", "CA", "DH" };

/* What the chip refuses to load: the file missing, not DER, not the
 * right kind, or (CA) not exactly one certificate. */
static int32_t check_file(sl_sock_t *s, int i, const char *path)
{
    static const int32_t code[4] = { SL_ESECBADPRIVATEFILE, SL_ESECBADCERTFILE, SL_ESECBADCAFILE,
                                     SL_ESECBADDHFILE };
    size_t len = 0;
    uint8_t *buf = slurp(path, &len);
    if (buf == NULL) {
        snprintf(s->detail, sizeof s->detail, "%s file %s: missing or unreadable", slot_name[i], path);
        return code[i];
    }
    mqtls_cred_info_t info;
    bool ok = mqtls_cred_detect(buf, len, &info) == MQTLS_OK && info.encoding == MQTLS_TLS_FORMAT_DER;
    if (ok) {
        switch (i) {
        case 0:
            ok = info.kind == MQTLS_CRED_KEY_PKCS1 || info.kind == MQTLS_CRED_KEY_SEC1 ||
                 info.kind == MQTLS_CRED_KEY_PKCS8;
            break;
        case 1:
            ok = info.kind == MQTLS_CRED_CERT;
            break;
        case 2: {
            ok = info.kind == MQTLS_CRED_CERT && der_element_len(buf, len) == len;
            mqtls_cred_cert_t *c = ok ? calloc(1, sizeof *c) : NULL;
            size_t n = 0;
            if (c != NULL && mqtls_cred_inspect(buf, len, c, 1, &n, NULL, 0) == MQTLS_OK && n == 1u) {
                copy_text(s->ca_subject, sizeof s->ca_subject, c->subject);
            }
            free(c);
            break;
        }
        default:
            ok = info.kind == MQTLS_CRED_DH_PARAMS;
            break;
        }
    }
    if (!ok) {
        size_t one = der_element_len(buf, len);
        snprintf(s->detail, sizeof s->detail, "%s file %s: %s%s", slot_name[i], path, info.what,
                 i == 2 && info.kind == MQTLS_CRED_CERT && one != 0u && one < len
                     ? ", followed by more: not exactly one DER certificate"
                     : "");
    }
    free(buf);
    return ok ? 0 : code[i];
}

/* ---- connect ------------------------------------------------------------------------------ */

/* A bounded string copy (the report's detail into the socket's). */
static void copy_text(char *dst, size_t size, const char *src)
{
    size_t n = strlen(src);
    n = n < size ? n : size - 1u;
    memmove(dst, src, n);
    dst[n] = '\0';
}

static uint32_t env_ms(const char *name, uint32_t dflt)
{
    const char *v = getenv(name);
    if (v == NULL || v[0] == '\0') {
        return dflt;
    }
    char *end;
    unsigned long ms = strtoul(v, &end, 10);
    return *end == '\0' && ms > 0ul && ms < 3600000ul ? (uint32_t)ms : dflt;
}

/* The failure of a connect: keep the mqtls error, give the chip's code. */
static _i16 failed(sl_sock_t *s, int32_t err, const mqtls_tls_report_t *r)
{
    s->last_err = err;
    if (r != NULL && r->detail[0] != '\0') {
        copy_text(s->detail, sizeof s->detail, r->detail);
    }
    if (s->tls != NULL) {
        mqtls_tls_free(s->tls);
        s->tls = NULL;
    }
    mqtls_tcp_close(&s->tcp);
    return (_i16)mqtls_sl_code(err, r);
}

static _i16 secure_setup(sl_sock_t *s, mqtls_tls_config_t *cfg, char paths[4][512], char *ciphers, size_t clen)
{
    uint16_t lo, hi;
    _i16 rc = mqtls_sl_method_versions(s->method, &lo, &hi);
    if (rc != 0) {
        snprintf(s->detail, sizeof s->detail,
                 rc == SL_EINVAL ? "unknown secure method %u"
                                 : "secure method %u is below TLS 1.2, which mqtls does not speak (RFC 8996)",
                 (unsigned)s->method);
        s->last_err = MQTLS_ERR_TLS_NO_COMMON_VERSION;
        return rc;
    }
    uint32_t lacking = (uint32_t)mqtls_sl_mask_unsupported(s->mask);
    uint32_t usable = s->mask & 0x3FFu & ~lacking;
    if (lacking != 0u && s->mask_set) {
        char names[400];
        mqtls_sl_mask_ciphers(lacking, names, sizeof names);
        fprintf(stderr, "mqtls-compat: warning: mask 0x%03lx: the %s engine lacks %s; not offered\n",
                (unsigned long)s->mask, mqtls_tls_engine_name(engine()), names);
    }
    if (usable == 0u) {
        snprintf(s->detail, sizeof s->detail, "mask 0x%03lx leaves no cipher suite this engine has",
                 (unsigned long)s->mask);
        s->last_err = MQTLS_ERR_TLS_NO_SHARED_CIPHER;
        return SL_ESEC_UNSUPPORTED_SUITE;
    }
    mqtls_sl_mask_ciphers(usable, ciphers, clen);
    for (int i = 0; i < 4; i++) {
        file_path(s, i, paths[i], 512);
        if (paths[i][0] == '\0' && (s->ids[i] != 0u || s->names[i][0] != '\0')) {
            snprintf(s->detail, sizeof s->detail, "%s file: bad name", slot_name[i]);
            return i == 2 ? SL_ESECBADCAFILE : i == 1 ? SL_ESECBADCERTFILE : i == 0 ? SL_ESECBADPRIVATEFILE
                                                                                : SL_ESECBADDHFILE;
        }
    }
    /* In the chip's order: CA, certificate, key, DH. */
    static const int order[4] = { 2, 1, 0, 3 };
    for (int k = 0; k < 4; k++) {
        int i = order[k];
        if (paths[i][0] != '\0' && (rc = check_file(s, i, paths[i])) != 0) {
            s->last_err = i == 2 ? MQTLS_ERR_TLS_BAD_CA_FILE : i == 1 ? MQTLS_ERR_TLS_BAD_CERT_FILE
                                                    : i == 0 ? MQTLS_ERR_TLS_BAD_KEY_FILE : MQTLS_ERR_CRED_BAD_DH;
            return rc;
        }
    }
    mqtls_tls_config_init(cfg);
    cfg->min_version = lo;
    cfg->max_version = hi;
    cfg->ciphers = ciphers;
    cfg->key_file = paths[0][0] != '\0' ? paths[0] : NULL;
    cfg->cert_file = paths[1][0] != '\0' ? paths[1] : NULL;
    cfg->ca_file = paths[2][0] != '\0' ? paths[2] : NULL;
    cfg->key_format = cfg->cert_format = cfg->ca_format = MQTLS_TLS_FORMAT_DER;
    cfg->no_verify = cfg->ca_file == NULL; /* CA ID 0: the chip's explicit choice, reported as -453 */
    cfg->insecure = s->domain[0] == '\0';  /* the name is checked only when the firmware asks */
    cfg->server_name = s->domain[0] != '\0' ? s->domain : NULL;
    cfg->verify_time = mqtls_sl_device_time();
    cfg->verify_tolerate = MQTLS_TLS_VERIFY_EXPIRED | MQTLS_TLS_VERIFY_NOT_YET_VALID;
    cfg->handshake_timeout_ms = env_ms("MQTLS_SL_HANDSHAKE_TIMEOUT_MS", HANDSHAKE_TIMEOUT_MS);
    return 0;
}

_i16 sl_Connect(_i16 sd, const SlSockAddr_t *addr, _i16 addrlen)
{
    sl_sock_t *s = sock(sd);
    if (s == NULL) {
        return SL_EBADF;
    }
    if (s->connected) {
        return SL_EISCONN;
    }
    if (addr == NULL || addrlen < (_i16)sizeof(SlSockAddrIn_t) || addr->sa_family != SL_AF_INET) {
        return SL_EAFNOSUPPORT;
    }
    const SlSockAddrIn_t *in = (const SlSockAddrIn_t *)(const void *)addr;
    struct in_addr ip;
    ip.s_addr = (uint32_t)in->sin_addr.s_addr;
    char host[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &ip, host, sizeof host);
    uint16_t port = ntohs(in->sin_port);
    s->detail[0] = '\0';
    s->last_err = 0;

    mqtls_tls_config_t cfg;
    char paths[4][512];
    char ciphers[512];
    if (s->secure) {
        _i16 rc = secure_setup(s, &cfg, paths, ciphers, sizeof ciphers);
        if (rc != 0) {
            return rc;
        }
        int32_t err = mqtls_tls_new(&s->tls, engine(), &cfg, &s->report);
        if (err != MQTLS_OK) {
            return failed(s, err, &s->report);
        }
    }
    int32_t err = mqtls_tcp_connect(&s->tcp, host, port, env_ms("MQTLS_SL_CONNECT_TIMEOUT_MS", CONNECT_TIMEOUT_MS));
    if (err != MQTLS_OK) {
        snprintf(s->detail, sizeof s->detail, "TCP connect to %s:%u: %s", host, (unsigned)port, mqtls_strerror(err));
        return failed(s, err, NULL);
    }
    mqtls_tcp_transport(&s->tcp, &s->tr);
    if (s->secure) {
        mqtls_transport_t lower = s->tr;
        err = mqtls_tls_handshake(s->tls, &lower, host, cfg.handshake_timeout_ms);
        if (err != MQTLS_OK) {
            return failed(s, err, &s->report);
        }
        mqtls_tls_transport(s->tls, &s->tr);
    }
    s->connected = true;
    if (!s->secure) {
        return 0;
    }
    copy_text(s->detail, sizeof s->detail, s->report.detail);
    /* The NWP's CA rule (mqtls/slcodes.h): a PC engine may anchor the chain on
     * an intermediate it sends; the chip needs the issuer of its last certificate. */
    if (!cfg.no_verify && mqtls_sl_ca_rule(s->ca_subject, &s->report, s->detail, sizeof s->detail) != 0) {
        s->connected = false;
        return failed(s, MQTLS_ERR_TLS_UNKNOWN_CA, NULL);
    }
    if (cfg.no_verify) {
        snprintf(s->detail, sizeof s->detail, "connected, but the server was not verified (CA ID 0)");
        return SL_ESECSNOVERIFY;
    }
    if (s->report.verify_flags & (MQTLS_TLS_VERIFY_EXPIRED | MQTLS_TLS_VERIFY_NOT_YET_VALID)) {
        s->last_err = (s->report.verify_flags & MQTLS_TLS_VERIFY_EXPIRED) ? MQTLS_ERR_TLS_CERT_EXPIRED
                                                                           : MQTLS_ERR_TLS_CERT_NOT_YET_VALID;
        snprintf(s->detail, sizeof s->detail, "connected, but a certificate of the server's chain is %s at the "
                 "device's date (@%lld)",
                 s->last_err == MQTLS_ERR_TLS_CERT_EXPIRED ? "expired" : "not valid yet",
                 (long long)cfg.verify_time);
        return SL_ESECDATEERROR;
    }
    return 0;
}

const char *mqtls_sl_last_detail(_i16 sd, int32_t *mqtls_err)
{
    sl_sock_t *s = sock(sd);
    if (s == NULL) {
        return NULL;
    }
    if (mqtls_err != NULL) {
        *mqtls_err = s->last_err;
    }
    return s->detail;
}

/* ---- data ------------------------------------------------------------------------------------ */

static _i16 io_code(sl_sock_t *s, int32_t err)
{
    s->last_err = err;
    if (err == MQTLS_ERR_CLOSED) {
        return s->secure ? SL_ESECCLOSED : SL_ECONNRESET;
    }
    if (err == MQTLS_ERR_SEND || err == MQTLS_ERR_RECV) {
        return SL_ECONNRESET;
    }
    return s->secure ? (_i16)mqtls_sl_code(err, &s->report) : SL_SOC_ERROR;
}

int32_t mqtls__sl_wait(_i16 sd, uint32_t events, uint32_t timeout_ms)
{
    sl_sock_t *s = sock(sd);
    if (s == NULL || !s->connected) {
        return SL_EBADF;
    }
    if (s->tr.wait == NULL) {
        return 1;
    }
    int32_t w = s->tr.wait(s->tr.ctx, events, timeout_ms);
    return w < 0 ? io_code(s, w) : w;
}

int32_t mqtls__sl_recv_now(_i16 sd, uint8_t *buf, size_t len)
{
    sl_sock_t *s = sock(sd);
    if (s == NULL || !s->connected) {
        return SL_EBADF;
    }
    int32_t n = s->tr.recv(s->tr.ctx, buf, len);
    if (n == MQTLS_ERR_CLOSED) {
        return SL_ESECCLOSED;
    }
    return n < 0 ? io_code(s, n) : n;
}

_i16 sl_Send(_i16 sd, const void *pBuf, _i16 Len, _i16 flags)
{
    (void)flags;
    sl_sock_t *s = sock(sd);
    if (s == NULL || !s->connected) {
        return SL_EBADF;
    }
    if (pBuf == NULL || Len < 0) {
        return SL_EINVAL;
    }
    const uint8_t *p = pBuf;
    size_t done = 0, len = (size_t)Len;
    while (done < len) {
        int32_t n = s->tr.send(s->tr.ctx, p + done, len - done);
        if (n < 0) {
            return done > 0u ? (_i16)done : io_code(s, n);
        }
        done += (size_t)n;
        if (n == 0) {
            if (s->nonblocking) {
                return done > 0u ? (_i16)done : SL_EAGAIN;
            }
            int32_t w = s->tr.wait != NULL ? s->tr.wait(s->tr.ctx, MQTLS_WAIT_WRITE, 1000u) : 1;
            if (w < 0) {
                return done > 0u ? (_i16)done : io_code(s, w);
            }
        }
    }
    return (_i16)done;
}

_i16 sl_Recv(_i16 sd, void *buf, _i16 Len, _i16 flags)
{
    (void)flags;
    sl_sock_t *s = sock(sd);
    if (s == NULL || !s->connected) {
        return SL_EBADF;
    }
    if (buf == NULL || Len <= 0) {
        return SL_EINVAL;
    }
    uint32_t start = mqtls_posix_now_ms(NULL);
    for (;;) {
        int32_t n = s->tr.recv(s->tr.ctx, buf, (size_t)Len);
        if (n > 0) {
            return (_i16)n;
        }
        if (n == MQTLS_ERR_CLOSED) {
            return 0; /* as BSD recv: the peer closed */
        }
        if (n < 0) {
            return io_code(s, n);
        }
        if (s->nonblocking) {
            return SL_EAGAIN;
        }
        uint32_t left = 1000u;
        if (s->rcvtimeo_ms != 0u) {
            uint32_t spent = mqtls_posix_now_ms(NULL) - start;
            if (spent >= s->rcvtimeo_ms) {
                return SL_EAGAIN;
            }
            left = s->rcvtimeo_ms - spent;
        }
        int32_t w = s->tr.wait != NULL ? s->tr.wait(s->tr.ctx, MQTLS_WAIT_READ, left) : 1;
        if (w < 0) {
            return io_code(s, w);
        }
    }
}

_i16 sl_Close(_i16 sd)
{
    sl_sock_t *s = sock(sd);
    if (s == NULL) {
        return SL_EBADF;
    }
    if (s->connected && s->tr.close != NULL) {
        s->tr.close(s->tr.ctx); /* TLS: close_notify, then the TCP socket */
    }
    mqtls_tls_free(s->tls);
    mqtls_tcp_close(&s->tcp);
    memset(s, 0, sizeof *s);
    return 0;
}
