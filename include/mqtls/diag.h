/* SPDX-License-Identifier: MIT
 * mqtls: diagnosis -- why does this device not connect to that broker? */
/**
 * @file
 * @brief Diagnosis: why does this device not connect to that broker?
 *
 * mqtls_diag_run() probes a broker the way a device would connect to it, in
 * order, and stops at the first step that fails:
 *
 * @verbatim
 *   alpn (port 443) -> resolve -> tcp -> files (CA, certificate, key or the
 *   store) -> tls (version and cipher overlap) -> chain (the server's
 *   certificates) -> ca (does the CA file anchor it; if not, which root
 *   would) -> hostname (name and SNI) -> validity (against the device's
 *   clock) -> client-cert (accepted by the server) -> mqtt (CONNACK) ->
 *   roundtrip (subscribe, publish, receive on a test topic)
 * @endverbatim
 *
 * Each step leaves a line (pass, fail, warn or skip, with a detail); the
 * first failure names a cause from one catalogue (mqtls_diag_catalogue():
 * a stable id, a title, an explanation and a fix), and with a store the
 * SimpleLink code a CC3200 would return for the same files and server.
 *
 * Policy: the doctor never hands the user a connection. To learn more than
 * a failed handshake says, it runs extra handshakes of its own -- with
 * verification off (to see the chain behind an unknown CA), with default
 * versions and ciphers (to see what the server accepts), or in plain MQTT
 * (to see whether a port that does not speak TLS speaks MQTT) -- and says
 * so in the step's detail. Certificate validity against the device's clock
 * is judged here from the chain's dates, not by the TLS engine.
 *
 * Memory: mqtls_diag_run() allocates while it runs (TLS sessions, file
 * buffers) and releases everything before it returns; the report is the
 * caller's. Cause pointers point into a static catalogue and never need
 * freeing. No printing: mqtls_diag_to_json() formats a report into a
 * malloc'd string, and the CLI (tools/cmd_doctor.c) prints the human form.
 * Needs the build option MQTLS_WITH_MBEDTLS (it uses the credentials toolkit).
 *
 * Example:
 * @code
 * mqtls_diag_config_t cfg;
 * mqtls_diag_config_init(&cfg);
 * cfg.host = "broker.example"; cfg.port = 8883; cfg.tls = true;
 * cfg.tls_cfg.ca_file = "root.pem";
 * cfg.tls_cfg.cert_file = "device.crt"; cfg.tls_cfg.key_file = "device.key";
 * mqtls_diag_report_t *r = malloc(sizeof *r);
 * mqtls_diag_run(&cfg, r);
 * if (r->cause != NULL) printf("%s: %s\n", r->cause->id, r->cause->fix);
 * free(r);
 * @endcode
 */
#ifndef MQTLS_DIAG_H
#define MQTLS_DIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mqtls/error.h"
#include "mqtls/tls.h"

#ifdef __cplusplus
extern "C" {
#endif

/** One cause of a failed connection, as the catalogue knows it. */
typedef struct {
    const char *id;          /**< stable, documented: "ca-mismatch", ... */
    const char *title;       /**< one line */
    const char *explanation; /**< what is going on, in plain words */
    const char *fix;         /**< what to do about it */
} mqtls_diag_cause_t;

/**
 * Every cause, in a fixed order.
 * @param n receives the count
 * @return the static catalogue, never NULL.
 * @code
 * size_t n;
 * const mqtls_diag_cause_t *c = mqtls_diag_catalogue(&n);
 * for (size_t i = 0; i < n; i++) printf("%s: %s\n", c[i].id, c[i].title);
 * @endcode
 */
const mqtls_diag_cause_t *mqtls_diag_catalogue(size_t *n);

/**
 * Look a cause up by its id.
 * @param id a stable id such as "ca-mismatch" (NUL-terminated)
 * @return the catalogue entry (static), or NULL.
 */
const mqtls_diag_cause_t *mqtls_diag_cause(const char *id);

/** The outcome of one step. */
typedef enum {
    MQTLS_DIAG_PASS = 0, /**< the step found nothing wrong */
    MQTLS_DIAG_FAIL = 1, /**< the step failed; the run stops here */
    MQTLS_DIAG_WARN = 2, /**< a problem that does not stop the connection */
    MQTLS_DIAG_SKIP = 3  /**< not run (not applicable, or after a failure) */
} mqtls_diag_status_t;

/**
 * The name of a status.
 * @param s the status
 * @return "pass", "fail", "warn" or "skip" (static).
 */
const char *mqtls_diag_status_name(mqtls_diag_status_t s);

/** The system trust store searched for the root a server needs. */
#define MQTLS_DIAG_SYSTEM_CA_DIR "/etc/ssl/certs"

/** What to probe. Strings are borrowed for the call. Start from mqtls_diag_config_init(). */
typedef struct {
    const char *host;            /**< required */
    uint16_t port;               /**< required */
    bool tls;                    /**< TLS (implied by store_dir) */
    mqtls_tls_engine_t engine;   /**< which TLS engine probes */
    mqtls_tls_config_t tls_cfg;  /**< CA, certificate, key, SNI, ALPN, versions, ciphers */
    const char *store_dir;       /**< a credential store: key/cert/CA come from store_ids */
    uint16_t store_ids[4];       /**< SlSockSecureFiles_t order: key, cert, CA, DH; 0 = none */
    uint32_t sl_mask;            /**< with a store: the device's secure mask (SL_SEC_MASK_* bits);
                                      0: SL_SEC_MASK_SECURE_DEFAULT. Its suites are offered, at
                                      TLS 1.2 only, as a CC3200 does, unless tls_cfg sets
                                      ciphers / max_version. */
    bool sl_domain_check;        /**< with a store: the firmware sets option 35
                                      (SL_SO_SECURE_DOMAIN_NAME_VERIFICATION), so the device checks
                                      the server's name (-222); without it a CC3200 does not */
    bool board_said_set;         /**< with a store: board_said is the code the board printed */
    int32_t board_said;          /**< compared with the prediction (report.board_meaning) */
    int64_t device_time;         /**< Unix seconds; MQTLS_CRED_NOW (cred.h): this computer's clock */
    bool device_time_unset;      /**< the device's clock is unset (device_time is its reset date) */
    const char *client_id;       /**< required */
    const char *username;        /**< NULL: none */
    const char *password;        /**< NULL: none */
    uint8_t protocol_version;    /**< MQTLS_PROTO_V311 */
    uint16_t keepalive_s;        /**< CONNECT keep alive, seconds */
    const char *topic;           /**< round-trip topic; NULL: "mqtls/doctor/<client id>" */
    const char *system_ca_dir;   /**< NULL: MQTLS_DIAG_SYSTEM_CA_DIR */
    uint32_t timeout_ms;         /**< per network operation */
} mqtls_diag_config_t;

/** Most steps a report holds. */
#define MQTLS_DIAG_MAX_STEPS 16

/** One step's line in the report. */
typedef struct {
    char name[16];               /**< "resolve", "tcp", "alpn", "files", "tls", "chain", "ca", "hostname",
                                      "validity", "client-cert", "mqtt", "roundtrip" */
    mqtls_diag_status_t status;  /**< pass, fail, warn or skip */
    char detail[1536];           /**< one or more lines separated by '\\n' */
} mqtls_diag_step_t;

/** What a run found; the caller's (a large struct: allocate it). */
typedef struct {
    bool ok;                     /**< every step passed (no failure, no warning) */
    bool failed;                 /**< a step failed */
    size_t n_steps;              /**< entries set in steps */
    mqtls_diag_step_t steps[MQTLS_DIAG_MAX_STEPS]; /**< the steps, in the order they ran */
    /** The first failure's cause; without a failure, the first warning's; NULL when ok. */
    const mqtls_diag_cause_t *cause;
    char hint[1024];             /**< what this run adds to the fix (the root needed, the alert, ...) */
    int32_t error;               /**< the mqtls error behind the failure, MQTLS_OK if none */
    bool has_sl;                 /**< a store was checked: sl_code is meaningful */
    int32_t sl_code;             /**< what a CC3200 would return (0: connects) */
    bool has_board;              /**< cfg.board_said_set: the next three are meaningful */
    int32_t board_said;          /**< the board's code */
    bool board_agrees;           /**< the board's code is the prediction */
    char board_meaning[768];     /**< what the board's code means next to the prediction */
    mqtls_tls_report_t tls;      /**< the report of the last handshake made with the user's settings */
} mqtls_diag_report_t;

/**
 * Defaults: port 8883, mbedTLS engine if built, device clock = now, MQTT 3.1.1,
 * keepalive 30 s, timeout 5 s, CA dir /etc/ssl/certs.
 * @param cfg the configuration to fill (caller-owned)
 */
void mqtls_diag_config_init(mqtls_diag_config_t *cfg);

/**
 * Run the probes and fill `out` (a large struct: allocate it).
 * @param cfg what to probe; it and its strings are borrowed for the call
 * @param out the report, caller-owned; its cause points into the static catalogue
 * @return MQTLS_OK when the run completed (whatever it found: see out->ok,
 * out->failed, out->cause); MQTLS_ERR_INVALID_ARG for a bad configuration,
 * including tls_cfg.no_verify, tls_cfg.insecure or tls_cfg.verify_tolerate:
 * the doctor never reports a connection it did not fully verify as healthy.
 */
int32_t mqtls_diag_run(const mqtls_diag_config_t *cfg, mqtls_diag_report_t *out);

/** Hints for mqtls_diag_classify(): what the connection was asked to do. */
typedef struct {
    uint16_t port;      /**< the port connected to */
    bool alpn_set;      /**< an ALPN protocol was offered */
    bool sni_set;       /**< a server name other than the host was given (--sni) */
    bool ca_legacy;     /**< the CA file is a known legacy root (VeriSign G5 ...) */
} mqtls_diag_hints_t;

/**
 * The cause of a failed TLS handshake or MQTT connect from the error and
 * the TLS report alone (no probing): the rules mqtls_diag_run() starts from.
 * @param err    the mqtls error of the attempt
 * @param report the TLS report of the attempt, or NULL; borrowed for the call
 * @param hints  what the connection was asked to do, or NULL
 * @return a catalogue entry (static), never NULL for err < 0 ("unknown" when nothing fits); NULL for err >= 0.
 * @code
 * const mqtls_diag_cause_t *c = mqtls_diag_classify(rc, &report, NULL);
 * if (c != NULL) fprintf(stderr, "%s\n", c->fix);
 * @endcode
 */
const mqtls_diag_cause_t *mqtls_diag_classify(int32_t err, const mqtls_tls_report_t *report,
                                              const mqtls_diag_hints_t *hints);

/**
 * Port 443 and no ALPN: AWS IoT serves MQTT there only with ALPN x-amzn-mqtt-ca.
 * @param port the port connected to
 * @param alpn NULL-terminated list, may be NULL
 * @return true when that is the case.
 */
bool mqtls_diag_alpn_missing(uint16_t port, const char *const *alpn);

/**
 * Is this certificate subject a root that brokers no longer chain to (e.g.
 * "VeriSign Class 3 Public Primary Certification Authority - G5")?
 * @param subject the subject as text (NUL-terminated)
 * @return true for a known legacy root.
 */
bool mqtls_diag_is_legacy_root(const char *subject);

/**
 * The report as JSON: {"ok", "steps": [{"name","status","detail"}], "cause":
 * {"id","title","explanation","fix","hint"} or null, "error", and
 * "simplelink": {"code","name","text"} when has_sl, "board": {"code","name","agrees","meaning"}
 * when has_board}.
 * @param r   the report
 * @param out receives the NUL-terminated JSON, malloc'd: the caller frees it with free()
 * @return MQTLS_OK or MQTLS_ERR_NO_MEMORY.
 * @code
 * char *json;
 * if (mqtls_diag_to_json(r, &json) == MQTLS_OK) { puts(json); free(json); }
 * @endcode
 */
int32_t mqtls_diag_to_json(const mqtls_diag_report_t *r, char **out);

#ifdef __cplusplus
}
#endif
#endif /* MQTLS_DIAG_H */
