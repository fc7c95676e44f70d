/* SPDX-License-Identifier: MIT
 * bench/paho_pub.c: the Paho C peer for bench/pub_cost.sh -- publish each
 * line of stdin with Paho's synchronous client (libpaho-mqtt3c, Debian's
 * libpaho-mqtt-dev), at most WINDOW QoS 1/2 messages in flight, then wait
 * for every acknowledgement and exit. Written for the benchmark because
 * Debian's paho_c_pub does not exit at the end of its input. Callbacks are
 * set, so Paho acknowledges in its own thread (its fast mode: without them
 * MQTTClient_waitForCompletion polls and sleeps); the window is a counter
 * under a condition variable.
 *
 *   paho_pub HOST PORT CLIENT_ID TOPIC QOS WINDOW < lines
 */
#include <MQTTClient.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static unsigned long done_n;

static void on_lost(void *ctx, char *cause)
{
    (void)ctx;
    fprintf(stderr, "paho_pub: connection lost: %s\n", cause ? cause : "?");
    exit(2);
}

static int on_msg(void *ctx, char *topic, int len, MQTTClient_message *m)
{
    (void)ctx;
    (void)len;
    MQTTClient_freeMessage(&m);
    MQTTClient_free(topic);
    return 1;
}

static void on_delivered(void *ctx, MQTTClient_deliveryToken tok)
{
    (void)ctx;
    (void)tok;
    pthread_mutex_lock(&mu);
    done_n++;
    pthread_cond_signal(&cv);
    pthread_mutex_unlock(&mu);
}

int main(int argc, char **argv)
{
    if (argc != 7) {
        fprintf(stderr, "usage: paho_pub HOST PORT CLIENT_ID TOPIC QOS WINDOW < lines\n");
        return 1;
    }
    char uri[300];
    snprintf(uri, sizeof uri, "tcp://%s:%s", argv[1], argv[2]);
    int qos = atoi(argv[5]), window = atoi(argv[6]);
    if (window < 1 || window > 65535)
        window = 20;
    MQTTClient c;
    MQTTClient_connectOptions co = MQTTClient_connectOptions_initializer;
    co.keepAliveInterval = 60;
    co.cleansession = 1;
    co.maxInflightMessages = window;
    if (MQTTClient_create(&c, uri, argv[3], MQTTCLIENT_PERSISTENCE_NONE, NULL) != MQTTCLIENT_SUCCESS ||
        MQTTClient_setCallbacks(c, NULL, on_lost, on_msg, on_delivered) != MQTTCLIENT_SUCCESS ||
        MQTTClient_connect(c, &co) != MQTTCLIENT_SUCCESS) {
        fprintf(stderr, "paho_pub: cannot connect to %s\n", uri);
        return 2;
    }
    unsigned long sent = 0;
    char line[65536];
    while (fgets(line, sizeof line, stdin) != NULL) {
        size_t len = strcspn(line, "\n");
        if (qos > 0) { /* window full: wait for an acknowledgement */
            pthread_mutex_lock(&mu);
            while (sent - done_n >= (unsigned long)window)
                pthread_cond_wait(&cv, &mu);
            pthread_mutex_unlock(&mu);
        }
        MQTTClient_deliveryToken tok = 0;
        int rc = MQTTClient_publish(c, argv[4], (int)len, line, qos, 0, &tok);
        if (rc != MQTTCLIENT_SUCCESS) {
            fprintf(stderr, "paho_pub: publish failed (%d)\n", rc);
            return 2;
        }
        sent++;
    }
    if (qos > 0) {
        pthread_mutex_lock(&mu);
        while (done_n < sent)
            pthread_cond_wait(&cv, &mu);
        pthread_mutex_unlock(&mu);
    }
    MQTTClient_disconnect(c, 1000);
    MQTTClient_destroy(&c);
    return 0;
}
