import Foundation
import Platform
import Yams

/// Every YAML file Polyglot reads (task and language specs, experiment files) goes through here:
/// read bounded (`InputLimits.yamlBytes`, regular files only), composed into a node tree, and checked
/// for a key given twice in one mapping (YAML parsers keep the last one silently, which drops
/// whatever the first said). Errors name the file, the line and the key path, and never echo the
/// file's text.
public enum YAMLDocument {
    /// The text of a YAML file.
    public static func read(path: String) throws -> String {
        try InputFile.readText(path, limit: InputLimits.yamlBytes, what: "YAML file")
    }

    /// The node tree of `text` (nil for an empty document); `origin` names it in errors.
    public static func compose(_ text: String, origin: String) throws -> Node? {
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw syntaxError(error, origin: origin)
        }
        if let node {
            var budget = maxNodes
            try checkDuplicateKeys(node, path: [], origin: origin, budget: &budget)
        }
        return node
    }

    /// Nodes a document may have once its aliases are expanded. A spec or an experiment has a few
    /// hundred; aliases of aliases (`a: &a [x, x]`, `b: &b [*a, *a]`, …) grow exponentially within the
    /// byte limit, and every later walk (decoding, defaults) would follow them.
    public static let maxNodes = 100_000

    /// Throws at the first mapping that has a key twice, naming its dotted key path and the line
    /// where it is given again.
    public static func checkDuplicateKeys(_ node: Node, path: [String], origin: String, budget: inout Int) throws {
        budget -= 1
        guard budget >= 0 else {
            throw FileError(path: origin, "has more than \(maxNodes) YAML nodes once its aliases are expanded; refused (a spec or experiment has a few hundred)")
        }
        switch node {
        case .mapping(let mapping):
            var seen = Set<String>()
            for (key, value) in mapping {
                let name = key.string ?? "\(key)"
                let keyPath = path + [name]
                if !seen.insert(name).inserted {
                    let location = key.mark.map { "\(origin):\($0.line)" } ?? origin
                    throw ConfigError(file: location, key: keyPath.map { excerpt($0) }.joined(separator: "."),
                                      "duplicate key: given twice in the same mapping (the first would be ignored)")
                }
                try checkDuplicateKeys(value, path: keyPath, origin: origin, budget: &budget)
            }
        case .sequence(let items):
            for (i, item) in items.enumerated() { try checkDuplicateKeys(item, path: path + ["\(i)"], origin: origin, budget: &budget) }
        case .scalar:
            break
        }
    }

    /// One line for a YAML syntax error: the position and the problem, without the file's text.
    public static func syntaxError(_ error: YamlError, origin: String) -> FileError {
        switch error {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _), let .composer(context, problem, mark, _):
            let ctx = context.map { " (\($0.text))" } ?? ""
            return FileError(path: origin, line: mark.line, column: mark.column, "invalid YAML: \(problem)\(ctx)")
        case let .reader(problem, offset, _, _):
            return FileError(path: origin, "invalid YAML: \(problem)" + (offset.map { " at byte \($0)" } ?? ""))
        default:
            return FileError(path: origin, "invalid YAML: \(excerpt("\(error)", limit: 120))")
        }
    }
}
