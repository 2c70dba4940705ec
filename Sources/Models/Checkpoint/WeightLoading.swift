import Engine

/// Copies named tensors from a safetensors file into a parameter store, all or nothing: shapes and
/// names are checked for every tensor before the first value is written.
enum WeightLoading {
    struct Assignment {
        /// Name in the file.
        var source: String
        /// Parameter in the store.
        var target: String
        /// Rows of the source to skip (RoBERTa's reserved position rows).
        var skipRows: Int = 0
    }

    /// Checks the assignments against the store; returns the problems (empty when all is well).
    static func check(_ assignments: [Assignment], file: SafetensorsFile, store: ParameterStore, into error: inout CheckpointError) {
        for a in assignments {
            guard let entry = file.entry(a.source) else { error.missing.append(a.source); continue }
            guard let id = store.id(a.target) else { error.unexpected.append(a.source); continue }
            let expected = store.entries[id.index].shape.dims
            var found = entry.shape
            if a.skipRows > 0, !found.isEmpty { found[0] -= a.skipRows }
            if !entry.dtype.isFloatingPoint {
                error.other.append("\(a.source) has dtype \(entry.dtype.rawValue), expected a floating-point type")
            } else if found != expected {
                var reported = expected
                if a.skipRows > 0, !reported.isEmpty { reported[0] += a.skipRows }
                error.shapeMismatches.append(.init(name: a.source, expected: reported, found: entry.shape))
            }
        }
    }

    /// Reads each tensor straight into its parameter (after `check` has passed).
    static func apply(_ assignments: [Assignment], file: SafetensorsFile, store: ParameterStore) throws {
        for a in assignments {
            let target = try store.value(named: a.target)
            let cols = file.entry(a.source)?.shape.dropFirst().reduce(1, *) ?? 0
            try file.floats(a.source, into: UnsafeMutableBufferPointer(start: target.data, count: target.count), skipping: a.skipRows * cols)
        }
    }
}
