/// Precision, recall and F1 from counts, with 0 where a ratio is 0/0 (seqeval's and sklearn's `zero_division=0`).
public struct PrecisionRecallF1: Codable, Equatable, Sendable {
    public var precision: Double
    public var recall: Double
    public var f1: Double
    /// Gold items (seqeval's "support").
    public var support: Int
    public var predicted: Int
    public var correct: Int

    public init(correct: Int, predicted: Int, gold: Int) {
        self.correct = correct; self.predicted = predicted; self.support = gold
        precision = predicted == 0 ? 0 : Double(correct) / Double(predicted)
        recall = gold == 0 ? 0 : Double(correct) / Double(gold)
        // seqeval forms F from the two ratios (not from the counts); kept so results agree to the last bit.
        let denominator = precision + recall
        f1 = denominator == 0 ? 0 : 2 * precision * recall / denominator
    }
}

/// Entity-level scores of a tagged corpus.
public struct EntityScores: Codable, Equatable, Sendable {
    /// Counts pooled over types: seqeval's default `precision_score`, `recall_score`, `f1_score`.
    public var micro: PrecisionRecallF1
    /// Unweighted means over the types seen in gold or predictions (`average="macro"`).
    public var macroPrecision: Double
    public var macroRecall: Double
    public var macroF1: Double
    /// Per entity type, as seqeval's `classification_report`.
    public var perType: [String: PrecisionRecallF1]
}

/// Counts of one sentence (or any subset), additive, so a bootstrap can resample sentences without re-chunking.
public struct EntityCounts: Codable, Equatable, Sendable {
    public var correct: Int
    public var predicted: Int
    public var gold: Int
    public init(correct: Int = 0, predicted: Int = 0, gold: Int = 0) {
        self.correct = correct; self.predicted = predicted; self.gold = gold
    }
    public var scores: PrecisionRecallF1 { PrecisionRecallF1(correct: correct, predicted: predicted, gold: gold) }
}

/// Entity F1 for sequence labelling (NER, chunking) as seqeval's default mode computes it.
public enum SeqEval {
    public static func score(gold: [[String]], pred: [[String]]) throws -> EntityScores {
        try checkShapes(gold: gold, pred: pred)
        let goldSpans = try EntityChunker.entities(sentences: gold)
        let predSpans = try EntityChunker.entities(sentences: pred)
        var goldByType: [String: Set<EntitySpan>] = [:]
        var predByType: [String: Set<EntitySpan>] = [:]
        for s in goldSpans { goldByType[s.type, default: []].insert(s) }
        for s in predSpans { predByType[s.type, default: []].insert(s) }
        let types = Set(goldByType.keys).union(predByType.keys).sorted {
            $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars)
        }
        var perType: [String: PrecisionRecallF1] = [:]
        var total = EntityCounts()
        var sumP = 0.0, sumR = 0.0, sumF = 0.0
        for t in types {
            let g = goldByType[t] ?? [], p = predByType[t] ?? []
            let c = g.intersection(p).count
            let scores = PrecisionRecallF1(correct: c, predicted: p.count, gold: g.count)
            perType[t] = scores
            total.correct += c; total.predicted += p.count; total.gold += g.count
            sumP += scores.precision; sumR += scores.recall; sumF += scores.f1
        }
        let n = Double(types.count)
        return EntityScores(micro: total.scores,
                            macroPrecision: types.isEmpty ? 0 : sumP / n,
                            macroRecall: types.isEmpty ? 0 : sumR / n,
                            macroF1: types.isEmpty ? 0 : sumF / n,
                            perType: perType)
    }

    /// Micro-F1 counts per sentence. Sentences are scored independently; because seqeval puts an `O` after every
    /// sentence, no chunk crosses a sentence boundary and the sums equal the corpus counts.
    public static func sentenceCounts(gold: [[String]], pred: [[String]]) throws -> [EntityCounts] {
        try checkShapes(gold: gold, pred: pred)
        var out: [EntityCounts] = []
        out.reserveCapacity(gold.count)
        for s in 0..<gold.count {
            let g = Set(try EntityChunker.entities(gold[s]))
            let p = Set(try EntityChunker.entities(pred[s]))
            out.append(EntityCounts(correct: g.intersection(p).count, predicted: p.count, gold: g.count))
        }
        return out
    }

    /// Micro F1 of the sentences at `indices` (with repeats), for `Bootstrap`.
    public static func microF1(_ counts: [EntityCounts], indices: [Int]) -> Double {
        var total = EntityCounts()
        for i in indices {
            total.correct += counts[i].correct; total.predicted += counts[i].predicted; total.gold += counts[i].gold
        }
        return total.scores.f1
    }

    static func checkShapes(gold: [[String]], pred: [[String]]) throws {
        try MetricInputError.checkPaired("entity F1", gold: gold.count, pred: pred.count)
        for s in 0..<gold.count where gold[s].count != pred[s].count {
            throw MetricInputError(metric: "entity F1",
                                   "sentence \(s): gold has \(gold[s].count) tags, predictions have \(pred[s].count)")
        }
    }
}
