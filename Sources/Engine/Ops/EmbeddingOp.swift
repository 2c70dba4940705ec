import Platform

/// Embedding lookup out[i, :] = table[ids[i], :] (or added onto out), and its backward, a scatter-add
/// into the table's gradient. The scatter is split by column ranges so that rows hit by several ids are
/// summed in one fixed order without atomics.
public enum EmbeddingOp {
    public static func validateIDs(_ ids: UnsafePointer<Int32>, count: Int, rows: Int, what: String) throws {
        for i in 0..<count where ids[i] < 0 || Int(ids[i]) >= rows {
            throw EngineError(op: "embedding", "\(what) \(ids[i]) at position \(i) is outside 0..<\(rows) (table of \(rows) rows)")
        }
    }

    public static func forward(table: Tensor, ids: UnsafeBufferPointer<Int32>, out: Tensor, accumulate: Bool = false) throws {
        let d = table.shape.last
        try EngineError.require(out.shape.last == d && out.shape.rows == ids.count, "embedding",
                                "\(ids.count) ids from table \(table.shape) into \(out.shape)")
        try validateIDs(ids.baseAddress!, count: ids.count, rows: table.shape.rows, what: "id")
        forwardUnchecked(table: table.data, dim: d, ids: ids.baseAddress!, count: ids.count, out: out.data, accumulate: accumulate)
    }

    static func forwardUnchecked(table: UnsafePointer<Float>, dim d: Int, ids: UnsafePointer<Int32>, count: Int,
                                 out: UnsafeMutablePointer<Float>, accumulate: Bool) {
        typealias Args = (FloatPointer, Int, UnsafePointer<Int32>, MutableFloatPointer, Bool)
        Parallel.ranges(count, grain: 64, (table, d, ids, out, accumulate) as Args) { raw, lo, hi in
            let (table, d, ids, out, accumulate) = raw.load(as: Args.self)
            for i in lo..<hi {
                let src = table + Int(ids[i]) * d, dst = out + i * d
                if accumulate { for c in 0..<d { dst[c] += src[c] } } else { dst.update(from: src, count: d) }
            }
        }
    }

    public static func backward(dOut: Tensor, ids: UnsafeBufferPointer<Int32>, dTable: Tensor) throws {
        let d = dTable.shape.last
        try EngineError.require(dOut.shape.last == d && dOut.shape.rows == ids.count, "embedding.backward",
                                "dOut \(dOut.shape) for \(ids.count) ids into dTable \(dTable.shape)")
        try validateIDs(ids.baseAddress!, count: ids.count, rows: dTable.shape.rows, what: "id")
        backwardUnchecked(dOut: dOut.data, dim: d, ids: ids.baseAddress!, count: ids.count, dTable: dTable.data)
    }

    static func backwardUnchecked(dOut: UnsafePointer<Float>, dim d: Int, ids: UnsafePointer<Int32>, count: Int,
                                  dTable: UnsafeMutablePointer<Float>) {
        typealias Args = (FloatPointer, Int, UnsafePointer<Int32>, Int, MutableFloatPointer)
        Parallel.ranges(d, grain: 32, (dOut, d, ids, count, dTable) as Args) { raw, lo, hi in
            let (dOut, d, ids, count, dTable) = raw.load(as: Args.self)
            let w = hi - lo
            for i in 0..<count {
                let src = dOut + i * d + lo, dst = dTable + Int(ids[i]) * d + lo
                for c in 0..<w { dst[c] += src[c] }
            }
        }
    }

    /// Position embeddings: out[b, t, :] += table[t, :] for a [batch, length, D] activation.
    static func addPositions(table: UnsafePointer<Float>, dim d: Int, batch: Int, length: Int, out: UnsafeMutablePointer<Float>) {
        Parallel.ranges(batch * length, grain: 64, (table, d, length, out)) { raw, lo, hi in
            let (table, d, length, out) = raw.load(as: (FloatPointer, Int, Int, MutableFloatPointer).self)
            for i in lo..<hi {
                let src = table + (i % length) * d, dst = out + i * d
                for c in 0..<d { dst[c] += src[c] }
            }
        }
    }
    /// Position embeddings for packed sequences (inference): row r of sequence i (rows
    /// starts[i]..<starts[i+1]) gets table[r − starts[i], :] added.
    static func addPositionsPacked(table: UnsafePointer<Float>, dim d: Int, starts: UnsafePointer<Int>, sequences: Int,
                                   out: UnsafeMutablePointer<Float>) {
        Parallel.ranges(sequences, grain: 1, (table, d, starts, out)) { raw, lo, hi in
            let (table, d, starts, out) = raw.load(as: (FloatPointer, Int, UnsafePointer<Int>, MutableFloatPointer).self)
            for i in lo..<hi {
                for r in starts[i]..<starts[i + 1] {
                    let src = table + (r - starts[i]) * d, dst = out + r * d
                    for c in 0..<d { dst[c] += src[c] }
                }
            }
        }
    }

    static func positionsBackward(dOut: UnsafePointer<Float>, dim d: Int, batch: Int, length: Int, dTable: UnsafeMutablePointer<Float>) {
        Parallel.ranges(length, grain: 4, (dOut, d, batch, length, dTable)) { raw, lo, hi in
            let (dOut, d, batch, length, dTable) = raw.load(as: (FloatPointer, Int, Int, Int, MutableFloatPointer).self)
            for t in lo..<hi {
                let dst = dTable + t * d
                for b in 0..<batch {
                    let src = dOut + (b * length + t) * d
                    for c in 0..<d { dst[c] += src[c] }
                }
            }
        }
    }
}
