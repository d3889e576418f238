import CGlibcFloor
import Glibc
import Testing

/// The executable's own hypotf (it keeps the binary within glibc 2.34) against glibc's double hypot.
@Suite struct GlibcFloorTests {
    @Test(arguments: [
        (3, 4), (0, 0), (-5, 12), (1e-30, 1e-30), (3e38, 3e38), (1.5, -2.25), (Float.leastNonzeroMagnitude, 0),
    ] as [(Float, Float)])
    func matchesGlibc(x: Float, y: Float) {
        #expect(CGlibcFloor.hypotf(x, y) == Float(hypot(Double(x), Double(y))))
    }

    @Test func infinityWinsOverNaN() {
        #expect(CGlibcFloor.hypotf(.infinity, .nan) == .infinity)
        #expect(CGlibcFloor.hypotf(.nan, -.infinity) == .infinity)
        #expect(CGlibcFloor.hypotf(.nan, 1).isNaN)
    }
}
