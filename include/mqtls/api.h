/* SPDX-License-Identifier: MIT
 * mqtls: the marks of the public API (deprecated names, private fields). */
/**
 * @file
 * @brief The marks of the public API: deprecated names and private fields.
 *
 * Two rules every public header keeps, written as macros so that the
 * compiler, not only a comment, tells an application when it steps out of
 * the API:
 *
 * - A name that is going away is marked MQTLS_DEPRECATED for one release
 *   before it is removed; CHANGELOG.md lists each with its replacement.
 *   Calling one is a warning (-Wdeprecated-declarations) on gcc and clang.
 * - A struct the caller allocates (so its size must be known) but whose
 *   fields belong to the library declares them with MQTLS_PRIVATE(): the
 *   member is renamed, so `client.state` does not compile. Read what an
 *   application may know through the accessors its header offers
 *   (mqtls_client_is_connected(), mqtls_client_server_caps(), ...). The
 *   library's own sources are compiled with MQTLS_ALLOW_PRIVATE_ACCESS
 *   defined; a test that must look inside defines it too, and says why.
 *
 * The layout is the same either way: only the member names change, so an
 * application and the library agree on sizes and offsets.
 *
 * @code
 * typedef struct {
 *     uint8_t MQTLS_PRIVATE(state);   // private_state outside the library
 * } mqtls_thing_t;
 *
 * MQTLS_DEPRECATED int32_t mqtls_thing_old(mqtls_thing_t *t); // use mqtls_thing_new()
 * @endcode
 */
#ifndef MQTLS_API_H
#define MQTLS_API_H

#if defined(__GNUC__) || defined(__clang__)
#define MQTLS__DEPRECATED __attribute__((deprecated))
#else
#define MQTLS__DEPRECATED
#endif
/** Marks a declaration that will be removed in the next release: using it
 * warns (gcc, clang; nothing on other compilers). */
#define MQTLS_DEPRECATED MQTLS__DEPRECATED

#if defined(MQTLS_ALLOW_PRIVATE_ACCESS)
#define MQTLS__PRIVATE(member) member
#else
#define MQTLS__PRIVATE(member) private_##member
#endif
/** Declares a private member of a public struct. Outside the library
 * (MQTLS_ALLOW_PRIVATE_ACCESS not defined) the member is called
 * private_<member>, so application code that touches it fails to compile;
 * the layout does not change. */
#define MQTLS_PRIVATE(member) MQTLS__PRIVATE(member)

#endif /* MQTLS_API_H */
