import Platform

/// Which column keys each (format, type) pair reads, checked when a spec is loaded so a spec
/// cannot name a column its reader would ignore.
enum ReaderSupport {
    static let conlluTagColumns: Set<String> = ["upos", "xpos", "feats"]

    static func checkColumns(_ spec: TaskSpec) throws {
        let c = spec.columns ?? ColumnMapping()
        var given: [String: Bool] = [
            "id": c.id != nil, "text": c.text != nil, "text_pair": c.textPair != nil, "label": c.label != nil,
            "choices": c.choices != nil, "question": c.question != nil, "words": c.words != nil, "tags": c.tags != nil,
        ]
        func require(_ keys: [String], optional: [String] = []) throws {
            for k in keys where given[k] != true {
                throw spec.error("columns.\(k)", "a \(spec.type.rawValue) task in \(spec.format.rawValue) format needs this column")
            }
            for k in keys + optional { given[k] = false }
            if let extra = given.filter(\.value).keys.sorted().first {
                throw spec.error("columns.\(extra)", "not read by a \(spec.type.rawValue) task in \(spec.format.rawValue) format")
            }
        }
        let unsupported = spec.error("format", "a \(spec.type.rawValue) task cannot be read from \(spec.format.rawValue) files")
        switch spec.format {
        case .builtin:
            try require([])
        case .conllu:
            switch spec.type {
            case .tagging:
                try require([], optional: ["tags"])
                if let t = c.tags, !conlluTagColumns.contains(t) {
                    throw spec.error("columns.tags", "expected upos, xpos or feats, found '\(excerpt(t))'")
                }
            case .mlm: try require([])
            default: throw unsupported
            }
        case .iob2:
            switch spec.type {
            case .tagging, .mlm:
                try require(spec.type == .tagging ? ["words", "tags"] : ["words"], optional: ["tags"])
                for (key, value) in [("words", c.words), ("tags", c.tags)] {
                    if let value, Int(value) == nil || Int(value)! < 0 {
                        throw spec.error("columns.\(key)", "expected a 0-based column number, found '\(excerpt(value))'")
                    }
                }
            default: throw unsupported
            }
        case .tsv, .csv, .jsonl:
            switch spec.type {
            case .classification: try require(["text", "label"], optional: ["id"])
            case .pairClassification: try require(["text", "text_pair", "label"], optional: ["id"])
            case .regression: try require(["text", "label"], optional: ["id", "text_pair"])
            case .multipleChoice:
                try require(["text", "choices", "label"], optional: ["id", "question"])
                // One column per choice, or in JSONL one field holding the list of choices.
                let least = spec.format == .jsonl ? 1 : 2
                if let n = c.choices?.count, n < least {
                    throw spec.error("columns.choices", spec.format == .jsonl
                        ? "expected the choice fields (or one field holding a list of choices), found an empty list"
                        : "expected at least two choice columns, found \(n)")
                }
            case .retrieval: try require(["text", "text_pair"], optional: ["id"])
            case .mlm: try require(["text"], optional: ["id"])
            case .tagging, .spanQA: throw unsupported
            }
        case .squad:
            guard spec.type == .spanQA || spec.type == .mlm else { throw unsupported }
            try require([])
        case .parallel:
            guard spec.type == .retrieval || spec.type == .mlm else { throw unsupported }
            try require([])
        case .text:
            guard spec.type == .mlm else { throw unsupported }
            try require([])
        }
    }
}
