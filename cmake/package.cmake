# SPDX-License-Identifier: MIT
# Debian packages with CPack: `cpack -G DEB` in a build tree configured with
# -DCMAKE_INSTALL_PREFIX=/usr makes
#   mqtls          the command-line program            (component "tool")
#   libmqtls-dev   headers, static libraries, the CMake package and the
#                  pkg-config files                   (component "dev")
# scripts/test.sh (section "package") builds both, runs lintian on them,
# installs them with dpkg -i and builds the consumer examples against the
# system paths. Each package carries the Debian copyright file and a
# changelog.gz, so lintian reports no errors.

# Per-package documentation: /usr/share/doc/<package>/{copyright,changelog.gz}.
string(TIMESTAMP MQTLS_DEB_DATE "%a, %d %b %Y %H:%M:%S +0000" UTC)
configure_file(${CMAKE_CURRENT_LIST_DIR}/debian/changelog.in ${CMAKE_CURRENT_BINARY_DIR}/debian/changelog @ONLY)
add_custom_command(OUTPUT ${CMAKE_CURRENT_BINARY_DIR}/debian/changelog.gz
  COMMAND gzip -n -9 -c ${CMAKE_CURRENT_BINARY_DIR}/debian/changelog > ${CMAKE_CURRENT_BINARY_DIR}/debian/changelog.gz
  DEPENDS ${CMAKE_CURRENT_BINARY_DIR}/debian/changelog)
add_custom_target(mqtls_deb_changelog ALL DEPENDS ${CMAKE_CURRENT_BINARY_DIR}/debian/changelog.gz)
foreach(_comp_pkg "tool;mqtls" "dev;libmqtls-dev")
  list(GET _comp_pkg 0 _comp)
  list(GET _comp_pkg 1 _pkg)
  install(FILES ${CMAKE_CURRENT_LIST_DIR}/debian/copyright ${CMAKE_CURRENT_BINARY_DIR}/debian/changelog.gz
    DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/doc/${_pkg} COMPONENT ${_comp})
endforeach()

set(CPACK_PACKAGE_NAME mqtls)
set(CPACK_PACKAGE_VENDOR "The mqtls authors")
set(CPACK_PACKAGE_CONTACT "The mqtls authors <mqtls@example.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "MQTT over mutual TLS for devices, with failures that explain themselves")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_GENERATOR DEB)
set(CPACK_STRIP_FILES ON)
set(CPACK_COMPONENTS_ALL tool dev)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://example.invalid/mqtls")
# Shared-library dependencies of the program, computed by dpkg-shlibdeps.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)

set(CPACK_DEBIAN_TOOL_PACKAGE_NAME mqtls)
set(CPACK_DEBIAN_TOOL_PACKAGE_SECTION net)
set(CPACK_DEBIAN_TOOL_DESCRIPTION "MQTT client and TLS toolkit for devices (command line)
mqtls pub, sub, cert, key, csr, ca, store and doctor: an MQTT 3.1.1 and 5.0
client over mutually-authenticated TLS with mosquitto's flags, a credentials
toolkit that mirrors a device's certificate flash, and a doctor that says
why a connection fails and what to do about it.")

set(CPACK_DEBIAN_DEV_PACKAGE_NAME libmqtls-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS "libmbedtls-dev, libssl-dev")
set(CPACK_DEBIAN_DEV_DESCRIPTION "MQTT client library over mutual TLS for devices (development files)
The mqtls C library: a freestanding, heap-free MQTT 3.1.1 and 5.0 client
core, TLS on mbedTLS and OpenSSL, the credentials toolkit, the doctor and
the Paho Embedded-C / SimpleLink compatibility layer. Headers, static
libraries, the CMake package (find_package(mqtls)) and pkg-config files.")
include(CPack)
