/// Concatenation along the last dimension ([N, D₁], [N, D₂], … → [N, ΣDᵢ]; e.g. [u, v, |u−v|] pair
/// features) and its backward, which slices the gradient back (added onto each input's gradient).
public enum ConcatOp {
    public static func forward(_ inputs: [Tensor], into out: Tensor) throws {
        let n = out.shape.rows
        let total = inputs.reduce(0) { $0 + $1.shape.last }
        try EngineError.require(inputs.allSatisfy { $0.shape.rows == n } && total == out.shape.last, "concat",
                                "inputs \(inputs.map { $0.shape.description }.joined(separator: ", ")) into \(out.shape)")
        let w = out.shape.last
        var offset = 0
        for x in inputs {
            let d = x.shape.last
            for r in 0..<n { (out.data + r * w + offset).update(from: x.data + r * d, count: d) }
            offset += d
        }
    }
    public static func backward(dOut: Tensor, into grads: [Tensor]) throws {
        let n = dOut.shape.rows
        let total = grads.reduce(0) { $0 + $1.shape.last }
        try EngineError.require(grads.allSatisfy { $0.shape.rows == n } && total == dOut.shape.last, "concat.backward",
                                "dOut \(dOut.shape) into \(grads.map { $0.shape.description }.joined(separator: ", "))")
        let w = dOut.shape.last
        var offset = 0
        for g in grads {
            let d = g.shape.last
            for r in 0..<n {
                let src = dOut.data + r * w + offset, dst = g.data + r * d
                for c in 0..<d { dst[c] += src[c] }
            }
            offset += d
        }
    }
}

/// Selecting one token per sequence (the [CLS] position, a span start): x [B, T, D], positions [B] → out [B, D];
/// the backward adds the gradient back at those positions.
public enum TokenSelectOp {
    static func validate(_ op: String, _ x: Tensor, _ positions: [Int], _ out: Tensor) throws {
        try EngineError.require(x.shape.rank == 3 && positions.count == x.shape[0] && out.shape.rows == x.shape[0]
                                && out.shape.last == x.shape[2], op, "x \(x.shape), \(positions.count) positions, out \(out.shape)")
        for (b, p) in positions.enumerated() where p < 0 || p >= x.shape[1] {
            throw EngineError(op: op, "position \(p) of sequence \(b) outside 0..<\(x.shape[1])")
        }
    }
    public static func forward(x: Tensor, positions: [Int], out: Tensor) throws {
        try validate("token_select", x, positions, out)
        let t = x.shape[1], d = x.shape[2]
        for (b, p) in positions.enumerated() { (out.data + b * d).update(from: x.data + (b * t + p) * d, count: d) }
    }
    public static func backward(dOut: Tensor, positions: [Int], dx: Tensor) throws {
        try validate("token_select.backward", dx, positions, dOut)
        let t = dx.shape[1], d = dx.shape[2]
        for (b, p) in positions.enumerated() {
            let dst = dx.data + (b * t + p) * d, src = dOut.data + b * d
            for c in 0..<d { dst[c] += src[c] }
        }
    }
}
