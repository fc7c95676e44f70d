# SPDX-License-Identifier: MIT
# CMake toolchain file: Cortex-M4F (the CC3200's CPU family) with Debian's
# arm-none-eabi-gcc and newlib.
#
#   cmake -S . -B build-arm -DCMAKE_TOOLCHAIN_FILE=cmake/arm-cortex-m4.cmake
#   cmake --build build-arm --target mqtls_core
#
# CMAKE_SYSTEM_NAME Generic (bare metal) makes the top-level CMakeLists build
# only the freestanding core: there is no POSIX below it. The flags are the
# ones coreMQTT publishes its size table with (-Os, NDEBUG, hard float ABI),
# so our .text+.data can be compared with theirs line for line; sections per
# function and per object let a firmware link drop what it does not call.

set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)

# There is no crt0/linker script for a bare board here, so CMake's compiler
# checks must not try to link an executable.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

set(CMAKE_C_COMPILER arm-none-eabi-gcc)
# ar, ranlib, objcopy, size are found from the compiler's prefix
# (arm-none-eabi-) by CMake itself.

set(MQTLS_ARM_FLAGS "-mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16")
set(MQTLS_ARM_FLAGS "${MQTLS_ARM_FLAGS} -Os -ffunction-sections -fdata-sections -DNDEBUG")
# _INIT: CMake appends the per-build-type flags (e.g. MinSizeRel: -Os -DNDEBUG)
# after these; scripts/core-size.sh uses MinSizeRel so they agree.
set(CMAKE_C_FLAGS_INIT "${MQTLS_ARM_FLAGS}")

# Look for programs on the host, for headers and libraries only in the
# target's sysroot (newlib), never in /usr/include.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
