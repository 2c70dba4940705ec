import Foundation

/// Learning-rate schedules as multipliers of the base rate at a step (0-based, the step about to be taken),
/// matching HF transformers' schedule functions; `slantedTriangular` is ULMFiT's (Howard & Ruder 2018).
public enum LearningRateSchedule: Codable, Equatable, Sendable {
    case constant
    /// Linear warm-up from 0, then linear decay to 0 at `totalSteps` (get_linear_schedule_with_warmup).
    case linear(warmupSteps: Int, totalSteps: Int)
    /// Linear warm-up, then a half cosine to 0 (get_cosine_schedule_with_warmup, 0.5 cycles).
    case cosine(warmupSteps: Int, totalSteps: Int)
    /// Linear warm-up, then √(warmup / step) (get_inverse_sqrt_schedule with timescale = warmup).
    case inverseSquareRoot(warmupSteps: Int)
    /// Rises linearly for cutFraction·T steps, then falls linearly; lowest rate is 1/ratio of the peak.
    case slantedTriangular(totalSteps: Int, cutFraction: Double = 0.1, ratio: Double = 32)

    public func multiplier(step: Int) -> Float {
        let s = Double(step)
        switch self {
        case .constant:
            return 1
        case .linear(let w, let total):
            if step < w { return Float(s / Double(Swift.max(1, w))) }
            return Float(Swift.max(0, Double(total - step) / Double(Swift.max(1, total - w))))
        case .cosine(let w, let total):
            if step < w { return Float(s / Double(Swift.max(1, w))) }
            let progress = Double(step - w) / Double(Swift.max(1, total - w))
            return Float(Swift.max(0, 0.5 * (1 + cos(Double.pi * progress))))
        case .inverseSquareRoot(let w):
            if step < w { return Float(s / Double(Swift.max(1, w))) }
            return Float((Double(Swift.max(1, w)) / Double(Swift.max(1, step))).squareRoot())
        case .slantedTriangular(let total, let cutFraction, let ratio):
            let cut = Swift.max(1, Int((Double(total) * cutFraction).rounded(.down)))
            let p = step < cut ? s / Double(cut)
                : 1 - Double(step - cut) / (Double(cut) * (1 / cutFraction - 1))
            return Float((1 + Swift.max(0, p) * (ratio - 1)) / ratio)
        }
    }

    public func rate(base: Float, step: Int) -> Float { base * multiplier(step: step) }
}
