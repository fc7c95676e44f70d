/* SPDX-License-Identifier: MIT
 * mqtls: error codes for the whole library, each layer's rows in its own list. */
/**
 * @file
 * @brief Error codes of every layer, their sentences, names and classes.
 *
 * Every fallible mqtls function returns an int32_t that is either a count
 * (>= 0) or one of the negative codes below. The codes come from one X-macro
 * table so that the enum, mqtls_strerror() and mqtls_errname() can never drift
 * apart (libuv does the same). Codes are grouped in ranges per module, so a
 * number alone tells where a failure came from:
 *
 *     -1 ..  -19   general
 *    -20 ..  -59   codec (malformed or invalid packets)
 *    -60 ..  -99   client (protocol state, broker refusals, resources)
 *   -100 .. -139   transport (DNS, TCP, sockets)
 *   -140 .. -199   TLS (mbedTLS and OpenSSL give the same codes)
 *   -200 .. -239   credentials and the credential store
 *   -240 .. -255   connection manager (src/conn)
 *   (none below -255: a layer's table keeps each code in one byte; the
 *   diagnosis needs none of its own)
 *   (none below -299: the SimpleLink emulation returns the chip's own codes,
 *   which overlap, see mqtls/slcodes.h)
 *
 * MQTLS_ERR_WANT_READ and MQTLS_ERR_WANT_WRITE are "try again", not errors;
 * they are in the table only so they have a name and a sentence.
 *
 * Each code also has a class (mqtls_err_class()): what to do about it --
 * try again, carry on, reconnect, or stop because retrying cannot help.
 *
 * The rows are one X-macro list per layer (MQTLS_ERRORS_CORE, _TRANSPORT,
 * _TLS, _CRED; MQTLS_ERROR_TABLE is all of them), and each layer compiles
 * its own names, sentences and classes: src/core/error.c the core's,
 * src/tls/tls_errors.c the transport and TLS rows, src/cred/cred_errors.c
 * the credential rows. A firmware that links only the core carries only the
 * core's text. mqtls_strerror(), mqtls_errname() and mqtls_err_class() (in
 * the core) answer for every layer that is linked: the layer tables are weak
 * references there (GCC/Clang, ELF), so a missing layer costs nothing and
 * its codes read "UNKNOWN" / "unknown error code". libmqtls links both
 * layer tables (its link interface and mqtls.pc name them with
 * --undefined, as a static archive would otherwise leave them out); a
 * firmware that compiles src/tls itself adds src/tls/tls_errors.c.
 */
#ifndef MQTLS_ERROR_H
#define MQTLS_ERROR_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* X(NAME, value, class, sentence): class is one of enum mqtls_errclass (see below). */
/* core rows, general and codec (part of MQTLS_ERRORS_CORE) */
#define MQTLS__ERRORS_BASE(X)                                                                                          \
    /* general */                                                                                                      \
    X(INVALID_ARG, -1, FATAL, "an argument was invalid (a NULL pointer, an empty buffer or a value out of range)")     \
    X(BUFFER_TOO_SMALL, -2, FATAL, "the buffer is too small for this packet")                                          \
    X(NOT_SUPPORTED, -3, FATAL, "this feature or protocol version is not supported by this build")                     \
    X(INTERNAL, -4, RECONNECT, "internal error: an mqtls invariant was violated (please report this)")                 \
    X(WANT_READ, -5, TRANSIENT, "try again: more incoming data is needed (not an error)")                              \
    X(WANT_WRITE, -6, TRANSIENT, "try again: the transport cannot take more data right now (not an error)")            \
    X(NO_MEMORY, -7, RECONNECT, "out of memory")                                                                       \
    X(TIMEOUT, -8, RECONNECT, "the operation did not complete within the time allowed")                                \
    /* codec */                                                                                                        \
    X(MALFORMED_REMAINING_LENGTH, -20, RECONNECT,                                                                      \
      "malformed packet: the remaining length field is longer than 4 bytes [MQTT-2.2.3]")                              \
    X(TRUNCATED, -21, RECONNECT, "malformed packet: a field runs past the end of the packet")                          \
    X(LENGTH_MISMATCH, -22, RECONNECT,                                                                                 \
      "malformed packet: the remaining length does not fit this packet type (extra or missing bytes)")                 \
    X(RESERVED_FLAGS, -23, RECONNECT, "malformed packet: reserved bits of the fixed header are wrong [MQTT-2.2.2-2]")  \
    X(BAD_PACKET_TYPE, -24, RECONNECT, "malformed packet: packet type 0 and 15 are reserved")                          \
    X(UNEXPECTED_PACKET, -25, RECONNECT, "protocol error: the server sent a packet type that only a client may send")  \
    X(BAD_QOS, -26, FATAL, "malformed packet: QoS 3 is not a valid quality of service [MQTT-3.3.1-4]")                 \
    X(ZERO_PACKET_ID, -27, RECONNECT, "malformed packet: packet identifier 0 with QoS 1 or 2 [MQTT-2.3.1-1]")          \
    X(BAD_UTF8, -28, FATAL, "malformed string: not well-formed UTF-8, or a UTF-16 surrogate [MQTT-1.5.3-1]")           \
    X(UTF8_NULL, -29, FATAL, "malformed string: it contains the null character U+0000 [MQTT-1.5.3-2]")                 \
    X(TOPIC_WILDCARD, -30, FATAL, "invalid topic name: a PUBLISH topic must not contain '+' or '#' [MQTT-3.3.2-2]")    \
    X(TOPIC_EMPTY, -31, FATAL,                                                                                         \
      "invalid topic: topic names and filters must be at least one character long [MQTT-4.7.3-1]")                     \
    X(BAD_FILTER, -32, FATAL,                                                                                          \
      "invalid topic filter: '#' must be last and fill its level, '+' must fill a whole level [MQTT-4.7.1-2]")         \
    X(STRING_TOO_LONG, -33, FATAL, "a string or binary field is longer than 65535 bytes")                              \
    X(PACKET_TOO_LARGE, -34, FATAL, "the packet would exceed MQTT's maximum remaining length of 268435455 bytes")      \
    X(BAD_CONNACK_FLAGS, -35, RECONNECT, "malformed CONNACK: reserved acknowledge flags are set [MQTT-3.2.2-1]")       \
    X(BAD_CONNACK_CODE, -36, RECONNECT, "malformed CONNACK: unknown return code (3.1.1 defines 0 to 5)")               \
    X(BAD_SUBACK_CODE, -37, RECONNECT, "malformed SUBACK: a return code other than 0, 1, 2 or 0x80 [MQTT-3.9.3-2]")    \
    X(BAD_WILL, -38, FATAL, "invalid will: will QoS above 2, or will QoS/retain set without a will [MQTT-3.1.2-11]")   \
    X(PASSWORD_WITHOUT_USER, -39, FATAL,                                                                               \
      "invalid CONNECT: MQTT 3.1.1 allows a password only with a user name [MQTT-3.1.2-22]")                           \
    X(NO_TOPICS, -40, FATAL, "a SUBSCRIBE or UNSUBSCRIBE needs at least one topic filter [MQTT-3.8.3-3]")              \
    X(EMPTY_CLIENT_ID, -41, FATAL, "an empty client identifier needs clean session set [MQTT-3.1.3-7]")                \
    X(SESSION_PRESENT_INVALID, -42, RECONNECT,                                                                         \
      "protocol error: CONNACK says session present although the client asked for a clean session or was refused "     \
      "[MQTT-3.2.2-4]")                                                                                                \
    X(BAD_REASON_CODE, -49, RECONNECT,                                                                                 \
      "malformed packet: this reason code is not defined for this packet type (MQTT 5.0 section 2.4) [MQTT-3.4.2-1]")  \
    X(BAD_SUB_OPTIONS, -50, FATAL,                                                                                     \
      "invalid subscription options: reserved bits set or retain handling 3 [MQTT-3.8.3-5]")                           \
    X(SHARED_NO_LOCAL, -51, FATAL, "protocol error: no local must not be set on a shared subscription [MQTT-3.8.3-4]") \
    X(BAD_SHARED_FILTER, -52, FATAL,                                                                                   \
      "invalid shared subscription: $share/ needs a share name without '/', '+' or '#', then '/' and a topic filter "  \
      "[MQTT-4.8.2-1], [MQTT-4.8.2-2]")                                                                                \
    X(TOPIC_ALIAS_NEEDED, -54, RECONNECT,                                                                              \
      "protocol error: a PUBLISH with an empty topic name needs a topic alias (MQTT 5.0 section 3.3.2.1)")

/** codec rows only MQTT 5.0 properties give: not compiled into a 3.1.1-only core */
#define MQTLS_ERRORS_PROPS(X)                                                                                       \
    X(BAD_PROPERTY, -43, RECONNECT,                                                                                 \
      "malformed property: unknown property identifier, or a value that runs past the end of the property block "   \
      "(MQTT 5.0 section 2.2.2)")                                                                                   \
    X(PROPERTY_NOT_ALLOWED, -44, RECONNECT,                                                                         \
      "protocol error: this property is not allowed in this packet (MQTT 5.0 section 2.2.2.2)")                     \
    X(DUPLICATE_PROPERTY, -45, RECONNECT,                                                                           \
      "protocol error: a property that may appear only once appears twice (MQTT 5.0 section 2.2.2.2)")              \
    X(BAD_VARINT, -46, RECONNECT,                                                                                   \
      "malformed packet: a variable byte integer (property length or value) is longer than 4 bytes [MQTT-1.5.5-1]") \
    X(PROPERTY_LENGTH, -47, RECONNECT,                                                                              \
      "malformed packet: the property length runs past the end of the packet (MQTT 5.0 section 2.2.2.1)")           \
    X(BAD_PROPERTY_VALUE, -48, RECONNECT,                                                                           \
      "protocol error: a property value is out of range: topic alias, receive maximum, maximum packet size or "     \
      "subscription identifier 0, a flag other than 0 or 1, maximum QoS above 1 [MQTT-3.3.2-8]")                    \
    X(AUTH_DATA_WITHOUT_METHOD, -53, FATAL,                                                                         \
      "protocol error: authentication data without an authentication method (MQTT 5.0 section 3.1.2.11.10)")

/* core rows, client (part of MQTLS_ERRORS_CORE) */
#define MQTLS__ERRORS_CLIENT(X)                                                                                        \
    /* client */                                                                                                       \
    X(NOT_CONNECTED, -60, RECONNECT, "the client is not connected (connect first, or reconnect after an error)")       \
    X(REFUSED_PROTOCOL_VERSION, -61, FATAL,                                                                            \
      "the broker refused the connection: it does not accept this MQTT protocol version (CONNACK 1)")                  \
    X(REFUSED_IDENTIFIER, -62, FATAL,                                                                                  \
      "the broker refused the connection: the client identifier was rejected (CONNACK 2)")                             \
    X(REFUSED_SERVER_UNAVAILABLE, -63, RECONNECT,                                                                      \
      "the broker refused the connection: the MQTT service is unavailable (CONNACK 3)")                                \
    X(REFUSED_BAD_CREDENTIALS, -64, FATAL, "the broker refused the connection: bad user name or password (CONNACK 4)") \
    X(REFUSED_NOT_AUTHORIZED, -65, FATAL, "the broker refused the connection: not authorized (CONNACK 5)")             \
    X(KEEPALIVE_TIMEOUT, -66, RECONNECT,                                                                               \
      "the broker did not answer a PINGREQ in time; the connection is considered dead")                                \
    X(INFLIGHT_FULL, -67, TRANSIENT,                                                                                   \
      "every in-flight record is in use: call mqtls_client_loop() to take acknowledgements, then retry")               \
    X(STORE_FULL, -68, TRANSIENT,                                                                                      \
      "the message store is full: call mqtls_client_loop() to take acknowledgements, then retry")                      \
    X(STORE_TOO_SMALL, -69, FATAL,                                                                                     \
      "the message is larger than the whole message store; give the store a larger buffer")                            \
    X(NO_STORE, -70, FATAL,                                                                                            \
      "QoS 1 and 2 publishing needs in-flight records and a message store (see mqtls_memstore_init) so that "          \
      "unacknowledged messages can be resent after a reconnect")                                                       \
    X(MESSAGE_TOO_LARGE, -71, NONFATAL,                                                                                \
      "an incoming message was larger than the receive buffer; it was acknowledged and skipped, the connection is "    \
      "still usable")                                                                                                  \
    X(RX_BUFFER_TOO_SMALL, -72, FATAL,                                                                                 \
      "the receive buffer cannot hold even the header and topic of an incoming packet")                                \
    X(TX_BUFFER_TOO_SMALL, -73, FATAL, "the packet does not fit in the transmit buffer given to mqtls_client_init")    \
    X(INBOUND_FULL, -74, RECONNECT,                                                                                    \
      "too many incoming QoS 2 messages are waiting for PUBREL; give the client more inbound records (and its "        \
      "message store room for their ids)")                                                                             \
    X(SUBSCRIBE_REFUSED, -75, NONFATAL, "the broker refused at least one subscription (SUBACK return code 0x80)")      \
    X(PROTOCOL, -76, RECONNECT, "protocol error: the broker sent a packet that is not valid at this point")            \
    X(BUSY, -77, FATAL, "not allowed from inside a callback or while another blocking call is running")                \
    X(CONNACK_EXPECTED, -78, FATAL, "protocol error: the broker's first packet was not a CONNACK [MQTT-3.2.0-1]")      \
    X(REFUSED_V5, -79, FATAL,                                                                                          \
      "the broker refused the connection with an MQTT 5 reason code (mqtls_client_reason() has the code and the "      \
      "broker's reason string)")                                                                                       \
    X(SERVER_DISCONNECT, -80, RECONNECT,                                                                               \
      "the broker closed the connection with a DISCONNECT (mqtls_client_reason() has its reason code and string)")     \
    X(PACKET_TOO_LARGE_FOR_SERVER, -81, NONFATAL,                                                                      \
      "the packet is larger than the maximum packet size the broker accepts (CONNACK); nothing was sent, the "         \
      "connection is still usable")                                                                                    \
    X(QOS_NOT_SUPPORTED, -82, NONFATAL,                                                                                \
      "the broker does not support this QoS (its CONNACK maximum QoS is lower); nothing was sent")                     \
    X(RETAIN_NOT_SUPPORTED, -83, NONFATAL,                                                                             \
      "the broker does not support retained messages (CONNACK retain available 0); nothing was sent")                  \
    X(TOPIC_ALIAS_INVALID, -84, RECONNECT,                                                                             \
      "protocol error: the broker used a topic alias that is 0, above our topic alias maximum, or never set "          \
      "(DISCONNECT 0x94 sent)")                                                                                        \
    X(RECEIVE_MAXIMUM_EXCEEDED, -85, RECONNECT,                                                                        \
      "protocol error: the broker sent more unacknowledged QoS 2 messages than our receive maximum (DISCONNECT 0x93 "  \
      "sent)")                                                                                                         \
    X(RX_PACKET_TOO_LARGE, -86, RECONNECT,                                                                             \
      "protocol error: the broker sent a packet larger than the maximum packet size we announced (DISCONNECT 0x95 "    \
      "sent)")                                                                                                         \
    X(WILDCARD_NOT_SUPPORTED, -87, NONFATAL,                                                                           \
      "the broker does not support wildcard subscriptions (CONNACK); nothing was sent")                                \
    X(SUBSCRIPTION_ID_NOT_SUPPORTED, -88, NONFATAL,                                                                    \
      "the broker does not support subscription identifiers (CONNACK); nothing was sent")                              \
    X(SHARED_NOT_SUPPORTED, -89, NONFATAL,                                                                             \
      "the broker does not support shared subscriptions ($share/...) (CONNACK); nothing was sent")                     \
    X(UNSUBSCRIBE_REFUSED, -90, NONFATAL,                                                                              \
      "the broker refused at least one unsubscription (UNSUBACK reason code 0x80 or above)")                           \
    X(PUBLISH_REFUSED, -91, NONFATAL,                                                                                  \
      "the broker did not accept a QoS 1/2 message (PUBACK/PUBREC reason code 0x80 or above); the connection is "      \
      "still usable")                                                                                                  \
    X(AUTH_FAILED, -92, FATAL,                                                                                         \
      "enhanced authentication failed: the authentication callback gave up, none was configured, or the broker used "  \
      "another method")                                                                                                \
    X(TOPIC_ALIAS_TOO_LONG, -93, RECONNECT,                                                                            \
      "the broker used a topic alias it had set for a topic longer than our alias_in slots could keep; give them "     \
      "larger slots (DISCONNECT 0x83 sent: our limit, not a broker error)")                                            \
    X(ACK_TIMEOUT, -94, RECONNECT,                                                                                     \
      "a QoS 1/2 message was not acknowledged within ack_timeout_ms; the connection is considered lost: reconnect, "   \
      "the message is resent")                                                                                         \
    X(QUOTA_EXCEEDED, -95, NONFATAL,                                                                                   \
      "the broker refused a message or the connection because a quota is exceeded (reason code 0x97), e.g. too many "  \
      "unreleased QoS 2 messages in its session")                                                                      \
    X(RESTORE_TOO_MANY, -96, FATAL,                                                                                    \
      "the message store holds more outgoing records than the client has in-flight records (outbound_count); give it " \
      "at least as many as the last run")                                                                              \
    X(CONNACK_TOO_LARGE, -98, FATAL,                                                                                   \
      "the broker's CONNACK claims to be longer than any CONNACK can be (a 3.1.1 CONNACK is 2 bytes, a 5.0 one a few " \
      "hundred): not the answer of a working MQTT broker")                                                             \
    X(SUBACK_TIMEOUT, -99, RECONNECT,                                                                                  \
      "no SUBACK came in time: the broker did not answer the SUBSCRIBE (a policy that ignores it, or a broker that "    \
      "stopped answering)")

/** The core's rows (src/core/error.c): general, codec, client; a 3.1.1-only
 * core (MQTLS_CONFIG_MQTT5 0) leaves out MQTLS_ERRORS_PROPS, which it cannot
 * return (scripts/core-size.sh checks that). */
#define MQTLS_ERRORS_CORE(X) MQTLS__ERRORS_BASE(X) MQTLS_ERRORS_PROPS(X) MQTLS__ERRORS_CLIENT(X)

/** transport rows: ports (TCP, SimpleLink sockets); names and sentences in src/tls/tls_errors.c */
#define MQTLS_ERRORS_TRANSPORT(X)                                                                         \
    X(CLOSED, -100, RECONNECT, "the connection was closed by the peer")                                   \
    X(DNS, -101, RECONNECT, "the host name could not be resolved")                                        \
    X(CONNECT_REFUSED, -102, RECONNECT, "connection refused: nothing is listening on that host and port") \
    X(CONNECT_TIMEOUT, -103, RECONNECT, "the TCP connection could not be established in time")            \
    X(UNREACHABLE, -104, RECONNECT, "the network or host is unreachable")                                 \
    X(SEND, -105, RECONNECT, "sending failed: the connection was reset or broken")                        \
    X(RECV, -106, RECONNECT, "receiving failed: the connection was reset")                                \
    X(SOCKET, -107, RECONNECT, "a socket could not be created or configured")                             \
    /* message-store media (file, flash), from the top of the range */                                    \
    X(STORE_IO, -130, FATAL,                                                                              \
      "the message store's file or flash could not be read or written (the store keeps the system's or "  \
      "driver's own error code)")                                                                         \
    X(STORE_CORRUPT, -131, FATAL,                                                                         \
      "the message store holds a damaged record that is not a torn last write, or is not a message store; " \
      "nothing was changed")                                                                              \
    X(STORE_LOCKED, -132, FATAL, "the message store is in use by another process")

/** TLS rows (engines and network processors); names and sentences in src/tls/tls_errors.c */
#define MQTLS_ERRORS_TLS(X)                                                                                         \
    X(TLS_UNKNOWN_CA, -140, FATAL,                                                                                  \
      "the server's certificate is not trusted: its chain does not lead to any CA in the CA file (unknown CA)")     \
    X(TLS_HOSTNAME_MISMATCH, -141, FATAL,                                                                           \
      "the server's certificate does not name the host we connected to (hostname mismatch)")                        \
    X(TLS_CERT_EXPIRED, -142, FATAL, "the server's certificate has expired (or the local clock is wrong)")          \
    X(TLS_CERT_NOT_YET_VALID, -143, FATAL,                                                                          \
      "the server's certificate is not valid yet (or the local clock is wrong or unset)")                           \
    X(TLS_VERIFY_FAILED, -144, FATAL,                                                                               \
      "the server's certificate failed verification (bad signature or unusable certificate)")                       \
    X(TLS_BAD_CA_FILE, -145, FATAL, "the CA file is unreadable, empty, or holds no certificate")                    \
    X(TLS_CA_FORMAT, -146, FATAL, "a credential file is PEM where DER was declared, or DER where PEM was declared") \
    X(TLS_BAD_CERT_FILE, -147, FATAL, "the client certificate file is unreadable or holds no certificate")          \
    X(TLS_BAD_KEY_FILE, -148, FATAL, "the private key file is unreadable or holds no private key")                  \
    X(TLS_KEY_PASSWORD, -149, FATAL, "the private key is encrypted and the password is missing or wrong")           \
    X(TLS_KEY_MISMATCH, -150, FATAL, "the private key does not belong to the client certificate")                   \
    X(TLS_NO_COMMON_VERSION, -151, FATAL, "the server and the client have no TLS version in common")                \
    X(TLS_NO_SHARED_CIPHER, -152, FATAL, "the server and the client have no cipher suite in common")                \
    X(TLS_CERT_REQUIRED, -153, FATAL, "the server requires a client certificate and none was given")                \
    X(TLS_CERT_REJECTED, -154, FATAL, "the server rejected our client certificate")                                 \
    X(TLS_HANDSHAKE_TIMEOUT, -155, RECONNECT, "the TLS handshake did not finish in time")                           \
    X(TLS_CLOSED_IN_HANDSHAKE, -156, RECONNECT, "the server closed the connection during the TLS handshake")        \
    X(TLS_NOT_TLS, -157, FATAL, "the server did not answer in TLS (is this a plain MQTT port?)")                    \
    X(TLS_ALERT, -158, RECONNECT, "the server ended the TLS session with an alert (named in the TLS report)")       \
    X(TLS_HANDSHAKE, -159, RECONNECT, "the TLS handshake failed (the TLS report has the engine's reason)")          \
    X(TLS_BAD_CIPHER, -160, FATAL, "a cipher suite name is not known to this TLS engine")                           \
    X(TLS_BAD_CONFIG, -161, FATAL,                                                                                  \
      "the TLS configuration is incomplete or contradictory (e.g. a certificate without a key, or no CA)")          \
    X(TLS_ENGINE_UNAVAILABLE, -162, FATAL, "this TLS engine is not compiled into this build")                       \
    X(TLS_BAD_CA_PATH, -163, FATAL, "the CA directory is unreadable or holds no certificate")                       \
    X(TLS_IO, -164, RECONNECT, "the TLS engine failed to read or write the connection")                             \
    X(TLS_BAD_RECORD, -165, FATAL,                                                                                  \
      "the server sent bytes that are not a valid TLS record (longer than TLS allows, or no record header)")        \
    X(TLS_MESSAGE_TOO_LARGE, -166, FATAL,                                                                           \
      "a handshake message from the server is larger than this TLS engine's input buffer")                          \
    X(TLS_RENEGOTIATION, -167, RECONNECT,                                                                           \
      "the server asked to renegotiate the TLS session, which mqtls refuses, and then ended it")                    \
    X(TLS_NO_SESSION, -168, NONFATAL,                                                                               \
      "the TLS session has nothing to resume (TLS 1.3: no ticket yet, save after the first read)")                  \
    /* TLS in a network processor (ports/simplelink): what the chip's codes say */                                  \
    X(TLS_CERT_DATE, -198, FATAL,                                                                                   \
      "the server's certificate is not valid at the device's date: expired, or the device clock is unset or wrong " \
      "(CC3200: -461)")                                                                                             \
    X(TLS_NOT_VERIFIED, -199, FATAL,                                                                                \
      "connected, but the server was not verified: no CA was given (CC3200: -453, CA ID 0); refused unless "        \
      "explicitly allowed")

/** credential and credential store rows; names and sentences in src/cred/cred_errors.c */
#define MQTLS_ERRORS_CRED(X)                                                                                         \
    X(CRED_EMPTY, -200, FATAL, "the file is empty")                                                                  \
    X(CRED_GARBAGE, -201, FATAL, "the file is neither PEM nor DER: not a certificate, key or CSR")                   \
    X(CRED_TRUNCATED, -202, FATAL, "the DER data is truncated or its lengths are inconsistent")                      \
    X(CRED_NOT_CERT, -203, FATAL, "a certificate was expected, but the file holds something else")                   \
    X(CRED_NOT_PRIVATE_KEY, -204, FATAL, "a private key was expected, but the file holds something else")            \
    X(CRED_PUBLIC_KEY, -205, FATAL, "the file holds a public key, where a private key is needed")                    \
    X(CRED_CSR, -206, FATAL, "the file holds a certificate signing request (CSR), not a certificate")                \
    X(CRED_BUNDLE, -207, FATAL, "the file is a PKCS#7 or PKCS#12 bundle: extract the certificate (or key) first")    \
    X(CRED_NOT_SINGLE, -208, FATAL, "one certificate was expected, but the file holds a chain or bundle of several") \
    X(CRED_NOT_CA, -209, FATAL, "the certificate is not a CA certificate (basicConstraints CA:FALSE or missing)")    \
    X(CRED_NOT_LEAF, -210, FATAL, "a device certificate was expected, but this is a CA certificate")                 \
    X(CRED_ENCRYPTED, -211, FATAL,                                                                                   \
      "the private key is encrypted: give its password, or store it decrypted (a device cannot decrypt it)")         \
    X(CRED_BAD_PASSWORD, -212, FATAL, "the password does not decrypt the private key")                               \
    X(CRED_KEY_MISMATCH, -213, FATAL, "the private key does not belong to the certificate")                          \
    X(CRED_UNTRUSTED, -214, FATAL, "the certificate does not chain to the given CA")                                 \
    X(CRED_EXPIRED, -215, FATAL, "the certificate has expired at the given time")                                    \
    X(CRED_NOT_YET_VALID, -216, FATAL, "the certificate is not valid yet at the given time")                         \
    X(CRED_BAD_SIGNATURE, -217, FATAL, "a signature in the chain does not verify")                                   \
    X(CRED_UNSUPPORTED, -218, FATAL, "this key type, curve or algorithm is not supported")                           \
    X(CRED_IO, -219, FATAL, "the file could not be read or written")                                                 \
    X(STORE_BAD_NAME, -220, FATAL,                                                                                   \
      "a store entry is a number from 1 to 255 or a name of letters, digits, '-', '_' and '.'")                      \
    X(STORE_NOT_FOUND, -221, FATAL, "there is no such entry in the credential store")                                \
    X(STORE_ROLE, -222, FATAL, "the file does not fit the role it is stored for (key, cert, ca or dh)")              \
    X(CRED_BAD_DH, -223, FATAL, "the file is not valid Diffie-Hellman parameters")                                   \
    X(CRED_MALFORMED_KEY, -224, FATAL,                                                                               \
      "the encrypted private key is malformed: its PBKDF2 iteration count is 0, negative or wider than 32 bits")      \
    X(CRED_KDF_LIMIT, -225, FATAL,                                                                                   \
      "the encrypted private key asks for more than 10 million PBKDF2 iterations; mqtls refuses rather than run for " \
      "minutes")                                                                                                     \
    X(CRED_NOT_DER, -226, FATAL,                                                                                     \
      "the certificate is BER, not DER: its signed part uses non-minimal lengths that cannot be re-encoded without "  \
      "breaking its signature")

/** connection manager rows (src/conn); names and sentences in src/tls/tls_errors.c
 * with the transport's (a device that links src/conn without libmqtls reads
 * them as unknown codes) */
#define MQTLS_ERRORS_CONN(X)                                                                                         \
    X(OFFLINE_FULL, -240, TRANSIENT,                                                                                 \
      "the offline queue is full: the message was not kept (give the connection manager a larger queue, or wait for " \
      "the connection)")

/** Every row of every layer: the enum below, and what tests check. */
#define MQTLS_ERROR_TABLE(X)                                                                                         \
    MQTLS_ERRORS_CORE(X) MQTLS_ERRORS_TRANSPORT(X) MQTLS_ERRORS_TLS(X) MQTLS_ERRORS_CRED(X) MQTLS_ERRORS_CONN(X)

/**
 * Result codes. MQTLS_OK is 0; every error is negative, MQTLS_ERR_<NAME> for
 * each row of MQTLS_ERROR_TABLE (the sentences above are mqtls_strerror()'s).
 */
typedef enum {
    MQTLS_OK = 0, /**< success (a function that returns a count returns it instead) */
#define MQTLS__ERR_ENUM(name, value, cls, text) MQTLS_ERR_##name = (value),
    MQTLS_ERROR_TABLE(MQTLS__ERR_ENUM)
#undef MQTLS__ERR_ENUM
} mqtls_err_t;

/**
 * What a caller should do about a result, for a connection manager that must
 * not retry forever what can never work. From the table's class column.
 */
typedef enum mqtls_errclass {
    MQTLS_ERRCLASS_OK = 0,    /**< not an error (MQTLS_OK, or a count >= 0) */
    MQTLS_ERRCLASS_TRANSIENT, /**< try again on the same connection (after mqtls_client_loop()):
                               * WANT_READ/WANT_WRITE, INFLIGHT_FULL, STORE_FULL */
    MQTLS_ERRCLASS_NONFATAL,  /**< reported, the connection stays up: a message or subscription
                               * was refused or skipped (PUBLISH_REFUSED, MESSAGE_TOO_LARGE...) */
    MQTLS_ERRCLASS_RECONNECT, /**< the connection is lost or was never made for a reason that can
                               * pass: reconnect (with backoff) and resume the session */
    MQTLS_ERRCLASS_FATAL      /**< retrying will not help: fix the configuration, credentials or
                               * the call (CONNACK bad credentials / not authorized, an untrusted
                               * server certificate, INVALID_ARG, a bad topic...) */
} mqtls_errclass_t;

/**
 * The class of a result code. A code that can come from either side (e.g.
 * BAD_UTF8: our topic, or a broker's packet) has the class of the caller's
 * mistake; mqtls_client_is_connected() tells whether the connection went.
 * @param err any value: >= 0 is MQTLS_ERRCLASS_OK; a negative value not in
 * the table (e.g. a port's own code) is MQTLS_ERRCLASS_RECONNECT.
 * @return the class.
 */
mqtls_errclass_t mqtls_err_class(int32_t err);

/**
 * The class's name: "ok", "transient", "nonfatal", "reconnect" or "fatal".
 * @param cls a class, e.g. from mqtls_err_class().
 * @return a static string, never NULL ("unknown" for a value outside the enum).
 */
const char *mqtls_errclass_name(mqtls_errclass_t cls);

/**
 * A sentence that tells a user what went wrong.
 * @param err any value; 0 gives "success", unknown values a generic sentence.
 * @return a static string, never NULL.
 */
const char *mqtls_strerror(int32_t err);

/**
 * The code's name without prefix, e.g. "CONNECT_REFUSED" (or "OK", "UNKNOWN").
 * @param err any value; 0 gives "OK", a value not in the linked tables "UNKNOWN".
 * @return a static string, never NULL.
 */
const char *mqtls_errname(int32_t err);

#ifdef __cplusplus
}
#endif
#endif /* MQTLS_ERROR_H */
