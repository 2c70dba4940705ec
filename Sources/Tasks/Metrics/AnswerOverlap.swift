/// Exact match and token F1 of an extractive-QA answer against its gold answers: the maximum over gold answers,
/// as `metric_max_over_ground_truths` in the SQuAD v1.1 and MLQA scripts. Scores are in [0, 1].
public enum AnswerOverlap {
    public static func exactMatch(prediction: String, golds: [String], normalization: AnswerNormalization = .squad) throws -> Double {
        guard !golds.isEmpty else { throw MetricInputError(metric: "exact match", "no gold answers") }
        let p = normalization.normalizedScalars(prediction)
        for g in golds where normalization.normalizedScalars(g) == p { return 1 }
        return 0
    }

    public static func f1(prediction: String, golds: [String], normalization: AnswerNormalization = .squad) throws -> Double {
        guard !golds.isEmpty else { throw MetricInputError(metric: "answer F1", "no gold answers") }
        let p = normalization.tokens(prediction)
        var best = 0.0
        for g in golds { best = max(best, tokenF1(p, normalization.tokens(g))) }
        return best
    }

    /// F1 over the multiset intersection of tokens; 0 when nothing is shared (so two empty answers score 0,
    /// as in SQuAD v1.1).
    static func tokenF1(_ prediction: [[Unicode.Scalar]], _ gold: [[Unicode.Scalar]]) -> Double {
        var counts: [[Unicode.Scalar]: Int] = [:]
        for t in gold { counts[t, default: 0] += 1 }
        var same = 0
        for t in prediction {
            if let c = counts[t], c > 0 { counts[t] = c - 1; same += 1 }
        }
        if same == 0 { return 0 }
        let precision = Double(same) / Double(prediction.count)
        let recall = Double(same) / Double(gold.count)
        return 2 * precision * recall / (precision + recall)
    }

    /// Corpus exact match and F1 (means over questions, in [0, 1]) plus the per-question scores for bootstrapping.
    public static func score(predictions: [String], golds: [[String]], normalization: AnswerNormalization = .squad) throws -> AnswerScores {
        try MetricInputError.checkPaired("answer F1", gold: golds.count, pred: predictions.count)
        var em: [Double] = [], f1: [Double] = []
        em.reserveCapacity(golds.count); f1.reserveCapacity(golds.count)
        for i in 0..<golds.count {
            do {
                em.append(try exactMatch(prediction: predictions[i], golds: golds[i], normalization: normalization))
                f1.append(try self.f1(prediction: predictions[i], golds: golds[i], normalization: normalization))
            } catch let e as MetricInputError {
                throw MetricInputError(metric: e.metric, "question \(i): \(e.message)")
            }
        }
        return AnswerScores(exactMatch: em.reduce(0, +) / Double(em.count), f1: f1.reduce(0, +) / Double(f1.count),
                            perQuestionExactMatch: em, perQuestionF1: f1)
    }
}

public struct AnswerScores: Codable, Equatable, Sendable {
    public var exactMatch: Double
    public var f1: Double
    public var perQuestionExactMatch: [Double]
    public var perQuestionF1: [Double]
}
