import Platform

extension TaskSpec {
    /// The split scored in a language: `preferred` when given (an error if the language lacks it), else test
    /// when the language has it, else dev. `polyglot eval` scores this split, and so does the forgetting
    /// matrix of a run with stages.
    public func evaluationSplit(language: String, preferred: Split? = nil) throws -> Split {
        let available = splits(for: language)
        if let preferred {
            guard available.contains(preferred) else {
                throw ConfigError(key: "split", "task '\(name)' has no \(preferred.rawValue) data in '\(language)' (has: \(available.map(\.rawValue).joined(separator: ", ")))")
            }
            return preferred
        }
        if available.contains(.test) { return .test }
        if available.contains(.dev) { return .dev }
        throw ConfigError(key: "languages", "task '\(name)' has no test or dev data in '\(language)' (languages: \(languageCodes.joined(separator: ", ")))")
    }
}
