import Foundation

/// Multinomial logistic regression on frozen features: features standardized with the training rows'
/// mean and standard deviation, weights from zero, `steps` full-batch Adam steps on the mean
/// cross-entropy plus (λ/2)·‖W‖². Deterministic: no random draw anywhere.
public struct LinearProbe: Sendable {
    public struct Settings: Codable, Equatable, Sendable {
        public var steps: Int
        public var learningRate: Double
        public var l2: Double
        public init(steps: Int = 300, learningRate: Double = 0.05, l2: Double = 1e-3) {
            self.steps = steps; self.learningRate = learningRate; self.l2 = l2
        }
        enum CodingKeys: String, CodingKey { case steps, learningRate = "learning_rate", l2 }
    }

    public let classCount: Int
    public let dimension: Int
    public let mean: [Double]
    public let scale: [Double]
    /// d × C, row-major.
    public private(set) var weights: [Double]
    public private(set) var bias: [Double]
    /// Training loss after each step.
    public private(set) var losses: [Double] = []

    public init(features: FeatureMatrix, labels: [Int], classCount: Int, settings: Settings = Settings()) throws {
        guard features.rows == labels.count else { throw ProbeInputError("\(features.rows) feature rows for \(labels.count) labels") }
        guard features.rows > 0 else { throw ProbeInputError("no training examples") }
        guard classCount >= 2 else { throw ProbeInputError("needs at least 2 classes, found \(classCount)") }
        for y in labels where y < 0 || y >= classCount { throw ProbeInputError("label \(y) outside 0..<\(classCount)") }
        let n = features.rows, d = features.columns
        self.classCount = classCount
        dimension = d
        var mu = [Double](repeating: 0, count: d), sd = [Double](repeating: 0, count: d)
        for i in 0..<n { for c in 0..<d { mu[c] += Double(features.values[i * d + c]) } }
        for c in 0..<d { mu[c] /= Double(n) }
        for i in 0..<n { for c in 0..<d { let z = Double(features.values[i * d + c]) - mu[c]; sd[c] += z * z } }
        // A constant column (one shot, or a dead unit) keeps scale 1 so it contributes 0, not NaN.
        for c in 0..<d { let s = (sd[c] / Double(n)).squareRoot(); sd[c] = s > 1e-8 ? s : 1 }
        mean = mu
        scale = sd
        weights = [Double](repeating: 0, count: d * classCount)
        bias = [Double](repeating: 0, count: classCount)
        let x = LinearProbe.standardize(features, mu, sd)
        try train(x: x, n: n, labels: labels, settings: settings)
    }

    static func standardize(_ f: FeatureMatrix, _ mu: [Double], _ sd: [Double]) -> [Double] {
        var x = [Double](repeating: 0, count: f.rows * f.columns)
        for i in 0..<f.rows { for c in 0..<f.columns { x[i * f.columns + c] = (Double(f.values[i * f.columns + c]) - mu[c]) / sd[c] } }
        return x
    }

    /// Loss and gradients at the current weights (exposed for finite-difference checks).
    public static func lossAndGradient(x: [Double], n: Int, d: Int, classes k: Int, labels: [Int], weights w: [Double], bias b: [Double], l2: Double)
        -> (loss: Double, dW: [Double], dB: [Double]) {
        var dW = [Double](repeating: 0, count: d * k), dB = [Double](repeating: 0, count: k)
        var loss = 0.0
        var z = [Double](repeating: 0, count: k)
        for i in 0..<n {
            for j in 0..<k { z[j] = b[j] }
            for c in 0..<d {
                let v = x[i * d + c]
                if v == 0 { continue }
                for j in 0..<k { z[j] += v * w[c * k + j] }
            }
            let m = z.max()!
            var sum = 0.0
            for j in 0..<k { z[j] = exp(z[j] - m); sum += z[j] }
            loss += -(log(z[labels[i]] / sum))
            for j in 0..<k {
                let g = (z[j] / sum - (j == labels[i] ? 1 : 0)) / Double(n)
                dB[j] += g
                for c in 0..<d { dW[c * k + j] += g * x[i * d + c] }
            }
        }
        loss /= Double(n)
        var reg = 0.0
        for i in 0..<(d * k) { reg += w[i] * w[i]; dW[i] += l2 * w[i] }
        return (loss + 0.5 * l2 * reg, dW, dB)
    }

    mutating func train(x: [Double], n: Int, labels: [Int], settings s: Settings) throws {
        let d = dimension, k = classCount
        let beta1 = 0.9, beta2 = 0.999, eps = 1e-8
        var mW = [Double](repeating: 0, count: d * k), vW = mW, mB = [Double](repeating: 0, count: k), vB = mB
        losses.reserveCapacity(s.steps)
        for t in 1...max(1, s.steps) {
            let (loss, dW, dB) = LinearProbe.lossAndGradient(x: x, n: n, d: d, classes: k, labels: labels, weights: weights, bias: bias, l2: s.l2)
            guard loss.isFinite else { throw ProbeInputError("linear probe loss became \(loss) at step \(t)") }
            losses.append(loss)
            let c1 = 1 - pow(beta1, Double(t)), c2 = 1 - pow(beta2, Double(t))
            for i in 0..<(d * k) {
                mW[i] = beta1 * mW[i] + (1 - beta1) * dW[i]
                vW[i] = beta2 * vW[i] + (1 - beta2) * dW[i] * dW[i]
                weights[i] -= s.learningRate * (mW[i] / c1) / ((vW[i] / c2).squareRoot() + eps)
            }
            for j in 0..<k {
                mB[j] = beta1 * mB[j] + (1 - beta1) * dB[j]
                vB[j] = beta2 * vB[j] + (1 - beta2) * dB[j] * dB[j]
                bias[j] -= s.learningRate * (mB[j] / c1) / ((vB[j] / c2).squareRoot() + eps)
            }
        }
    }

    /// Class probabilities, rows × classes.
    public func probabilities(_ features: FeatureMatrix) throws -> [[Double]] {
        guard features.columns == dimension else { throw ProbeInputError("features have \(features.columns) columns, the probe \(dimension)") }
        let x = LinearProbe.standardize(features, mean, scale)
        let d = dimension, k = classCount
        return (0..<features.rows).map { i in
            var z = bias
            for c in 0..<d { let v = x[i * d + c]; for j in 0..<k { z[j] += v * weights[c * k + j] } }
            let m = z.max()!
            let e = z.map { exp($0 - m) }
            let s = e.reduce(0, +)
            return e.map { $0 / s }
        }
    }

    public func predict(_ features: FeatureMatrix) throws -> [Int] {
        try probabilities(features).map { p in
            var best = 0
            for (j, v) in p.enumerated() where v > p[best] { best = j }
            return best
        }
    }
}
