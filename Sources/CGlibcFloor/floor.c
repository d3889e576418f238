// Keeps the shipped binary within glibc 2.34 (RHEL 9, Rocky 9, openEuler 22.03, HCE 2.0): the one symbol
// the static Swift runtime (FoundationEssentials) takes from a newer glibc is hypotf, whose default
// version became GLIBC_2.35. Defining it in the executable resolves that reference here, at link time.
// Float inputs squared and summed in double cannot overflow or lose the float result's precision.
#include <math.h>
#include "floor.h"

float hypotf(float x, float y) {
    if (isinf(x) || isinf(y)) return INFINITY;  // IEEE: even hypot(inf, NaN) is inf
    double dx = x, dy = y;
    return (float)sqrt(dx * dx + dy * dy);
}
