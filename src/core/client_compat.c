/* SPDX-License-Identifier: MIT
 * mqtls: the client's deprecated names, kept for one release (issue 12). */
/*
 * see mqtls/client.h. Each is a wrapper of the call that replaced it, in a
 * file of its own so that an application that no longer uses them does not
 * link them (a static archive pulls in only the objects a program needs,
 * and this one is needed only by the old names). They go in 0.4.
 */
#include "mqtls/client.h"

int32_t mqtls_client_subscribe5(mqtls_client_t *c, const mqtls_subscription_t *subs, size_t n,
                                const mqtls_props_t *props, uint8_t *codes, uint32_t timeout_ms)
{
    const mqtls_subscribe_opts_t opts = {.props = props};
    return MQTLS_CONFIG_MQTT5 ? mqtls_client_subscribe(c, subs, n, &opts, codes, timeout_ms) : MQTLS_ERR_NOT_SUPPORTED;
}

int32_t mqtls_client_unsubscribe5(mqtls_client_t *c, const mqtls_subscription_t *subs, size_t n,
                                  const mqtls_props_t *props, uint8_t *codes, uint32_t timeout_ms)
{
    const mqtls_subscribe_opts_t opts = {.props = props};
    return MQTLS_CONFIG_MQTT5 ? mqtls_client_unsubscribe(c, subs, n, &opts, codes, timeout_ms)
                              : MQTLS_ERR_NOT_SUPPORTED;
}

int32_t mqtls_client_disconnect5(mqtls_client_t *c, uint8_t reason, const mqtls_props_t *props)
{
    const mqtls_disconnect_opts_t opts = {.reason = reason, .props = props};
    return MQTLS_CONFIG_MQTT5 ? mqtls_client_disconnect(c, &opts) : MQTLS_ERR_NOT_SUPPORTED;
}
