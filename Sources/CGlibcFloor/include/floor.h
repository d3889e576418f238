#pragma once
/// Defined in floor.c so that the executable does not need hypotf@GLIBC_2.35.
float hypotf(float x, float y);
