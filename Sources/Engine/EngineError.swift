import Platform

/// A problem the engine detected at its API boundary: which op, which shapes, what was expected.
/// Thrown before any kernel runs, so a bad shape or a non-finite loss never becomes a crash in a loop.
public struct EngineError: PolyglotError, Equatable {
    public let op: String
    public let message: String
    public init(op: String, _ message: String) { self.op = op; self.message = message }
    public var description: String { "\(op): \(message)" }

    /// Checks that `actual` equals `expected`, naming the operand.
    public static func check(_ op: String, _ operand: String, _ actual: Shape, equals expected: Shape) throws {
        if actual != expected {
            throw EngineError(op: op, "\(operand) has shape \(actual), expected \(expected)")
        }
    }

    public static func require(_ condition: Bool, _ op: String, _ message: @autoclosure () -> String) throws {
        if !condition { throw EngineError(op: op, message()) }
    }
}
