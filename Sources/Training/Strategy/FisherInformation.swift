import Engine
import Models
import Platform
import Tasks

/// The diagonal empirical Fisher information EWC keeps an earlier stage's weights with: for each covered
/// parameter, the mean over training features of the squared gradient of that feature's own loss (gold
/// targets, no dropout), F = 1/N · Σₓ (∂ℓₓ/∂θ)². Each feature is its own batch of one, so a gradient is one
/// example's, not a batch mean's; a masked-LM feature draws its masks from the stream it is given.
public enum FisherInformation {
    /// One feature and the head whose loss it is scored by.
    public struct Item {
        public var head: String
        public var feature: EncodedExample
        public init(head: String, feature: EncodedExample) { self.head = head; self.feature = feature }
    }

    /// F for the floats of the store entries `entries` (in entry order, as `AnchorPenalty` holds them). The
    /// store's gradients are zero afterwards.
    public static func diagonal(model: MultiTaskModel, items: [Item], entries: [Int], pad: Int32,
                                masking: BatchAssembly.MaskingTokens?, random: inout RandomStream) throws -> [Float] {
        let store = model.store
        let sorted = entries.sorted()
        let count = sorted.reduce(0) { $0 + store.entries[$1].shape.count }
        var sums = [Double](repeating: 0, count: count)
        let g = store.gradients.data
        for item in items {
            store.zeroGradients()
            let collated = BatchAssembly.collate([item.feature], pad: pad, masking: masking, random: &random)
            _ = try model.loss(head: item.head, batch: collated.batch, targets: collated.targets, candidateMask: collated.candidateMask,
                               training: false, backward: true)
            // Only the ranges a backward may have written (a tracked table's touched rows); the rest is zero.
            var base = 0
            for i in sorted {
                let offset = store.entries[i].offset
                store.forEachGradientRange(entry: i) { range in
                    for j in range { sums[base + j - offset] += Double(g[j]) * Double(g[j]) }
                }
                base += store.entries[i].shape.count
            }
        }
        store.zeroGradients()
        let n = Double(max(1, items.count))
        return sums.map { Float($0 / n) }
    }
}
