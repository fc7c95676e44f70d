/* SPDX-License-Identifier: MIT
 * mqtls explain: from a bare number to its causes, checks and fixes. */
/*
 * The data lives in the library (mqtls/explain.h, src/diag/explain.c) so
 * the doctor's --board-said and firmware tools share it; this file parses
 * the arguments and prints each reading: the code's name and meaning, then
 * every known cause with the check that tells it from the others and the
 * fix. `--json` prints the same for programs.
 *
 * Exit status: 0 every code was known, 1 usage error, 2 a code mqtls does
 * not know (a sentence says so; nothing is guessed).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

#if MQTLS_WITH_DIAG

#include "mqtls/explain.h"

static void help(void)
{
    fputs("Usage: mqtls explain CODE... [--json]\n"
          "\n"
          "Every known cause of a code, the check that tells the causes apart, and the fix.\n"
          "CODE is what a board, a library or a broker printed:\n"
          "  -456, SL_ESECBADCAFILE, ESECBADCAFILE   a CC3200 SimpleLink code\n"
          "  -0x2700                                 an mbedTLS error\n"
          "  42, bad_certificate                     a TLS alert number or name\n"
          "  5                                       an MQTT 3.1.1 CONNACK return code\n"
          "  0x87                                    an MQTT 5.0 reason code\n"
          "  TLS_UNKNOWN_CA, MQTLS_ERR_DNS, -140     an mqtls error\n"
          "A number that means several things is explained in each reading (-155 is a\n"
          "SimpleLink code and an mqtls error); a prefix picks one: sl:, mbedtls:, alert:,\n"
          "connack:, reason:, mqtls: (e.g. alert:42, mqtls:-155).\n"
          "\n"
          "      --json   print the readings as a JSON array\n"
          "\n"
          "Exit status: 0 every code explained, 1 usage error, 2 a code mqtls does not know.\n",
          stdout);
}

static void print_human(const mqtls_explain_t *e, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char code[24];
        snprintf(code, sizeof code, "%ld ", (long)e[i].code);
        /* the name already is the code for mbedTLS (-0x2700) and reason codes (0x87) */
        bool named = e[i].kind == MQTLS_EXPLAIN_MBEDTLS || e[i].kind == MQTLS_EXPLAIN_REASON5;
        printf("%s%s %s%s: %s\n", i > 0u ? "\n" : "", mqtls_explain_kind_name(e[i].kind), named ? "" : code,
               e[i].name, e[i].meaning);
        for (size_t k = 0; k < e[i].n_causes; k++) {
            printf("  %zu. %s\n     check: %s\n     fix:   %s\n", k + 1u, e[i].causes[k].cause, e[i].causes[k].check,
                   e[i].causes[k].fix);
        }
    }
}

int cmd_explain(int argc, char **argv)
{
    bool json = false;
    int first = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0) {
            help();
            return 0;
        }
        if (strcmp(argv[i], "--json") == 0) {
            json = true;
        } else if (argv[i][0] == '-' && argv[i][1] == '-') {
            return cli_usage_error("explain", "unknown option '%s'", argv[i]);
        } else if (first == 0) {
            first = i;
        }
    }
    if (first == 0)
        return cli_usage_error("explain", "give a code to explain, e.g. mqtls explain -456");
    mqtls_explain_t *e = calloc(8, sizeof *e);
    if (e == NULL) {
        fprintf(stderr, "mqtls explain: out of memory\n");
        return 2;
    }
    int status = 0;
    bool first_json = true;
    if (json)
        fputs("[", stdout);
    for (int i = first; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            continue;
        size_t n = mqtls_explain(argv[i], e, 8);
        if (n == 0u) {
            fprintf(stderr, "mqtls explain: '%s' is not a code mqtls knows (a SimpleLink code such as -456, an "
                            "mbedTLS code such as -0x2700, a TLS alert, a CONNACK or reason code, an mqtls error)\n",
                    argv[i]);
            status = 2;
            continue;
        }
        if (!json) {
            print_human(e, n);
            continue;
        }
        char *js = NULL;
        if (mqtls_explain_to_json(e, n, &js) != MQTLS_OK) {
            status = 2;
            continue;
        }
        /* one array for all codes: drop each part's brackets */
        size_t l = strlen(js);
        while (l > 0u && (js[l - 1u] == '\n' || js[l - 1u] == ']'))
            js[--l] = '\0';
        printf("%s%s", first_json ? "" : ",", js + 1);
        first_json = false;
        free(js);
    }
    if (json)
        fputs("]\n", stdout);
    free(e);
    return status;
}

#else /* !MQTLS_WITH_DIAG */

int cmd_explain(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return cli_not_built("explain", "diagnosis", "MQTLS_WITH_DIAG", CLI_EXIT_USAGE);
}

#endif
