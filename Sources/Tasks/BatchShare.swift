import Models
import Platform

/// A rank's part of a collated batch in a distributed job (`mpirun -np N polyglot train`).
///
/// Every rank collates the whole batch (the same examples, the same masked-LM draws), then takes a
/// contiguous share of its features (`Distributed.share`): all their sequences, at the whole batch's padded
/// length, with their targets. A head's loss is the mean over its loss terms (counted labels, tags, masked
/// tokens, spans), so the share's loss weighted by `fraction` (its terms over the whole batch's) summed over
/// the ranks is the whole batch's loss, and so is the gradient. Dropout masks are drawn at the share's place in
/// the whole batch's (`rowOffset`), so N ranks drop what one process drops.
///
/// A retrieval batch scores every source against every partner (in-batch negatives): it cannot be cut, and
/// rank 0 computes it whole. A rank with nothing to compute (no features, or no loss terms in its share)
/// still draws the step's dropout seeds (`MultiTaskModel.skipTrainingDraws`) to stay in step.
public struct BatchShare {
    /// What this rank computes; nil: nothing.
    public var part: BatchAssembly.Collated?
    /// Sequences of the whole batch before the share.
    public var rowOffset: Int
    /// The share is the whole batch (one process, or retrieval on rank 0): its loss weighs as it is.
    public var isWhole: Bool
    /// Loss terms in the share and in the whole batch.
    public var terms: Int, totalTerms: Int

    /// The share's part of the whole batch's loss (1 when it is the whole batch).
    public var fraction: Double { isWhole || totalTerms == 0 ? 1 : Double(terms) / Double(totalTerms) }

    /// The share of `rank` of `size` in `whole`, a batch of `features` features.
    public init(_ whole: BatchAssembly.Collated, features: Int, rank: Int = Distributed.rank, size: Int = Distributed.size) {
        let total = BatchShare.terms(whole.targets, rows: 0..<features, length: whole.batch.length)
        if size == 1 {
            self.init(part: whole, rowOffset: 0, isWhole: true, terms: total, totalTerms: total)
            return
        }
        if case .parallelPairs = whole.targets {
            self.init(part: rank == 0 ? whole : nil, rowOffset: 0, isWhole: rank == 0, terms: rank == 0 ? total : 0, totalTerms: total)
            return
        }
        let mine = Distributed.share(of: features, rank: rank, size: size)
        let perFeature = features > 0 ? whole.batch.batch / features : 1
        let rows = (mine.lowerBound * perFeature)..<(mine.upperBound * perFeature)
        let terms = BatchShare.terms(whole.targets, rows: mine, length: whole.batch.length, sequences: rows)
        guard !mine.isEmpty, terms > 0 else {
            self.init(part: nil, rowOffset: rows.lowerBound, isWhole: false, terms: 0, totalTerms: total)
            return
        }
        let t = whole.batch.length
        let tokens = (rows.lowerBound * t)..<(rows.upperBound * t)
        let batch = whole.batch.sequences(rows)
        let targets: HeadTargets
        switch whole.targets {
        case .classes(let c): targets = .classes(Array(c[mine]))
        case .values(let v): targets = .values(Array(v[mine]))
        case .tokenClasses(let c): targets = .tokenClasses(Array(c[tokens]))
        case .spans(let s, let e): targets = .spans(start: Array(s[mine]), end: Array(e[mine]))
        case .parallelPairs: targets = .parallelPairs
        }
        let part = BatchAssembly.Collated(batch: batch, targets: targets, candidateMask: whole.candidateMask.map { Array($0[tokens]) })
        self.init(part: part, rowOffset: rows.lowerBound, isWhole: false, terms: terms, totalTerms: total)
    }

    init(part: BatchAssembly.Collated?, rowOffset: Int, isWhole: Bool, terms: Int, totalTerms: Int) {
        self.part = part; self.rowOffset = rowOffset; self.isWhole = isWhole; self.terms = terms; self.totalTerms = totalTerms
    }

    /// The loss terms of features `features` (sequences `sequences`, each `length` tokens): what each head
    /// averages its loss over. Class and span targets count those not `ignoreIndex` (a multiple-choice
    /// feature has one class for its choices), regression every value, token targets the counted tokens.
    static func terms(_ targets: HeadTargets, rows features: Range<Int>, length: Int, sequences: Range<Int>? = nil) -> Int {
        let ignore = EncodedExample.ignoreIndex
        switch targets {
        case .classes(let c): return c[features].reduce(0) { $0 + ($1 != ignore ? 1 : 0) }
        case .values: return features.count
        case .tokenClasses(let c):
            let rows = sequences ?? features
            return c[(rows.lowerBound * length)..<(rows.upperBound * length)].reduce(0) { $0 + ($1 != ignore ? 1 : 0) }
        case .spans(let s, _): return s[features].reduce(0) { $0 + ($1 != ignore ? 1 : 0) }
        case .parallelPairs: return features.count
        }
    }
}
