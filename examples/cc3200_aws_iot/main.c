/* SPDX-License-Identifier: MIT
 * CC3200 + AWS IoT over mutual TLS, written as CC3200 firmware is: the
 * certificates flashed as /cert/126.der (key), 127.der (certificate) and
 * 128.der (CA), Paho Embedded-C's MQTTClient over the CC3200 port's
 * TLSConnectNetwork(). The same file builds for the board with TI's SDK
 * (see README.md) and on a host against mqtls-compat:
 *
 *   cc $(pkg-config --cflags mqtls-compat) main.c $(pkg-config --libs mqtls-compat)
 *   MQTLS_SL_FLASH=./flash ./a.out [HOST [PORT [TOPIC]]]
 *
 * On a host the flash is a directory written by `mqtls store put`. Exit
 * status: 0 when the message published came back through the broker.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "simplelink.h"
#include "MQTTClient.h"

#define SERVER_ADDRESS "xxxxxxxxxxxxxx-ats.iot.us-east-1.amazonaws.com"
#define SERVER_PORT 8883
#define TOPIC "cc3200/demo"
#define CLIENT_ID "cc3200-demo"

#define SL_SSL_PRIVATE_KEY 126
#define SL_SSL_CLIENT_CERT 127
#define SL_SSL_CA_CERT 128

static unsigned char sendbuf[1024];
static unsigned char readbuf[1024];
static int received;

static void messageArrived(MessageData *md)
{
    MQTTMessage *message = md->message;
    printf("message on %.*s: %.*s\n", md->topicName->lenstring.len, md->topicName->lenstring.data,
           (int)message->payloadlen, (char *)message->payload);
    received++;
}

/* The NWP has no clock of its own after a reset: set it before TLS, or the
 * server's certificate is "not valid yet" (-461 SL_ESECDATEERROR). A board
 * takes the date from SNTP; this example takes it from the C library. */
static long setDeviceTime(void)
{
    time_t now = time(NULL);
    struct tm *utc = gmtime(&now);
    SlDateTime_t dateTime;
    memset(&dateTime, 0, sizeof(dateTime));
    dateTime.sl_tm_day = (_u32)utc->tm_mday;
    dateTime.sl_tm_mon = (_u32)utc->tm_mon + 1;
    dateTime.sl_tm_year = (_u32)utc->tm_year + 1900;
    dateTime.sl_tm_hour = (_u32)utc->tm_hour;
    dateTime.sl_tm_min = (_u32)utc->tm_min;
    dateTime.sl_tm_sec = (_u32)utc->tm_sec;
    return sl_DevSet(SL_DEVICE_GENERAL_CONFIGURATION, SL_DEVICE_GENERAL_CONFIGURATION_DATE_TIME,
                     sizeof(SlDateTime_t), (_u8 *)(&dateTime));
}

int main(int argc, char **argv)
{
    if (argc > 1 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
        printf("usage: %s [HOST [PORT [TOPIC]]]  (flash directory: MQTLS_SL_FLASH)\n", argv[0]);
        return 0;
    }
    char *host = argc > 1 ? argv[1] : SERVER_ADDRESS;
    int port = argc > 2 ? atoi(argv[2]) : SERVER_PORT;
    char *topic = argc > 3 ? argv[3] : TOPIC;

    sl_Start(NULL, NULL, NULL);
    if (setDeviceTime() < 0) {
        printf("sl_DevSet failed\n");
        return 1;
    }

    SlSockSecureFiles_t sockSecureFiles;
    sockSecureFiles.secureFiles[0] = SL_SSL_PRIVATE_KEY;
    sockSecureFiles.secureFiles[1] = SL_SSL_CLIENT_CERT;
    sockSecureFiles.secureFiles[2] = SL_SSL_CA_CERT;
    sockSecureFiles.secureFiles[3] = 0;

    Network n;
    MQTTClient hMQTTClient;
    NewNetwork(&n);
    int rc = TLSConnectNetwork(&n, host, port, &sockSecureFiles, SL_SO_SEC_METHOD_TLSV1_2,
                               SL_SEC_MASK_TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA, 0);
    printf("TLSConnectNetwork: %d\n", rc);
    if (rc != 0) {
        sl_Stop(0);
        return 1;
    }

    MQTTClientInit(&hMQTTClient, &n, 3000, sendbuf, sizeof(sendbuf), readbuf, sizeof(readbuf));
    MQTTPacket_connectData cdata = MQTTPacket_connectData_initializer;
    cdata.MQTTVersion = 4;
    cdata.clientID.cstring = CLIENT_ID;
    cdata.keepAliveInterval = 30;
    rc = MQTTConnect(&hMQTTClient, &cdata);
    printf("MQTTConnect: %d\n", rc);
    if (rc == SUCCESS) {
        rc = MQTTSubscribe(&hMQTTClient, topic, QOS1, messageArrived);
        printf("MQTTSubscribe: %d\n", rc);
    }
    if (rc == SUCCESS) {
        char payload[] = "hello from the CC3200";
        MQTTMessage msg;
        memset(&msg, 0, sizeof(msg));
        msg.qos = QOS1;
        msg.payload = payload;
        msg.payloadlen = strlen(payload);
        rc = MQTTPublish(&hMQTTClient, topic, &msg);
        printf("MQTTPublish: %d\n", rc);
    }
    for (int i = 0; rc == SUCCESS && received == 0 && i < 50; i++) {
        rc = MQTTYield(&hMQTTClient, 100);
    }
    if (MQTTIsConnected(&hMQTTClient)) {
        MQTTDisconnect(&hMQTTClient);
    }
    n.disconnect(&n);
    sl_Stop(0);
    return received > 0 ? 0 : 1;
}
