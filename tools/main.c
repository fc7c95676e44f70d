/* SPDX-License-Identifier: MIT
 * mqtls: the command-line tool; dispatches `mqtls <command> ...`. */
/*
 * One source file per command (brssl's layout): this file only knows the
 * command names and hands argv over, with argv[0] set to the command name.
 * Exit statuses are the same for every command; see common.h.
 */
#include <stdio.h>
#include <string.h>

#include "common.h"
#include "mqtls/mqtls.h"

typedef struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} command_t;

static const command_t commands[] = {
    { "pub", cmd_pub, "publish a message, a file, or each line of stdin" },
    { "sub", cmd_sub, "subscribe to topic filters and print the messages" },
    { "cert", cmd_cert, "convert, inspect, verify and match certificates; C arrays" },
    { "key", cmd_key, "generate a private key" },
    { "csr", cmd_csr, "make a certificate signing request for a key" },
    { "ca", cmd_ca, "a development CA: init, then issue server and client certificates" },
    { "store", cmd_store, "a credential store like a device's /cert flash: put, list, check, rm, export" },
    { "doctor", cmd_doctor, "probe a broker step by step and say why a connection fails" },
    { "bench", cmd_bench, "a fleet of devices (mutual TLS each) from one process: conn, pub, sub, merge" },
    { "explain", cmd_explain, "every known cause of a code (-456, -0x2700, alert 42, CONNACK 5), its check and fix" },
};

static void print_help(FILE *out)
{
    fputs("Usage: mqtls <command> [options]\n"
          "       mqtls <command> --help\n"
          "       mqtls --version\n"
          "\n"
          "Commands:\n",
          out);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-7s %s\n", commands[i].name, commands[i].summary);
    fputs("\n", out);
    fputs(cli_exit_help, out);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        print_help(stderr);
        return CLI_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        print_help(stdout);
        return CLI_EXIT_OK;
    }
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
        printf("mqtls %s (MQTT 3.1.1 and 5.0; TLS engines:", MQTLS_VERSION_STRING);
        for (int e = 0; e < (int)MQTLS_TLS_ENGINE_COUNT; e++) {
            if (mqtls_tls_engine_available((mqtls_tls_engine_t)e)) {
                printf(" %s", mqtls_tls_engine_name((mqtls_tls_engine_t)e));
            }
        }
        printf(")\n");
        return CLI_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (strcmp(cmd, commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    }
    fprintf(stderr, "mqtls: unknown command '%s' (see 'mqtls --help')\n", cmd);
    return CLI_EXIT_USAGE;
}
