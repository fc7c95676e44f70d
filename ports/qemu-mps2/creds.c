/* SPDX-License-Identifier: MIT
 * mqtls: the one translation unit that holds the credential arrays. */
/* The headers come from `mqtls cert carray` (make-creds.sh); their
 * directory is on the include path of this file only (fw-link.sh). */
#include "creds.h"

#include "fw_ca.h"
#include "fw_other_ca.h"
#include "fw_cert.h"
#include "fw_key.h"
