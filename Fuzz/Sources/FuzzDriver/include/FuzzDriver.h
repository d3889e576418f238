#ifndef TRUSTMEND_FUZZ_DRIVER_H
#define TRUSTMEND_FUZZ_DRIVER_H
#include <stddef.h>
#include <stdint.h>

/// Runs libFuzzer's driver with the target's LLVMFuzzerTestOneInput (defined in Swift with @_cdecl).
int trustmend_fuzz_main(int argc, char **argv);

#endif
