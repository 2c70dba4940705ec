#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Large zero-filled float buffers from `calloc`, which maps fresh pages for big requests instead of
/// writing zeros: a page becomes resident when first written. Parameter gradients and activation arenas
/// use it, so what a command never touches (the gradients and training activations of a model that is
/// only evaluated) does not count against its memory. Freed with `free`.
enum ZeroedMemory {
    static func floats(_ count: Int) -> UnsafeMutablePointer<Float> {
        guard let raw = calloc(Swift.max(1, count), MemoryLayout<Float>.stride) else {
            fatalError("out of memory: cannot allocate \(count) floats (\(count * 4 / 1_048_576) MiB)")
        }
        return raw.bindMemory(to: Float.self, capacity: Swift.max(1, count))
    }
    static func free(_ pointer: UnsafeMutablePointer<Float>) {
        #if canImport(Glibc)
        Glibc.free(pointer)
        #else
        Darwin.free(pointer)
        #endif
    }
}
