#ifndef TRUSTMEND_CYAML_SHIM_H
#define TRUSTMEND_CYAML_SHIM_H
#include <yaml.h>
#endif
