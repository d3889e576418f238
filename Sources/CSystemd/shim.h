#ifndef TRUSTMEND_CSYSTEMD_SHIM_H
#define TRUSTMEND_CSYSTEMD_SHIM_H

#include <systemd/sd-bus.h>
#include <systemd/sd-journal.h>
#include <systemd/sd-daemon.h>

/* sd-bus error initialisation is a macro (SD_BUS_ERROR_NULL); Swift needs a function. */
static inline sd_bus_error trustmend_sd_bus_error_null(void) {
    sd_bus_error e = SD_BUS_ERROR_NULL;
    return e;
}

#endif
