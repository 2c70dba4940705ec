import Data
import Foundation
import Platform
import Yams

/// Reads experiment files: YAML → node tree → `--set` overrides → laid over the defaults → strict
/// decoding (unknown keys and wrong types are `ConfigError`s naming the file, line and dotted key).
public enum ExperimentLoader {
    /// The experiment in `path`, with `overrides` (`key=value`, dotted keys) applied.
    public static func load(file path: String, overrides: [String] = []) throws -> Experiment {
        return try decode(yaml: try YAMLDocument.read(path: path), file: path, overrides: overrides)
    }

    /// The experiment in `yaml` (`file` names it in errors).
    public static func decode(yaml: String, file: String? = nil, overrides: [String] = []) throws -> Experiment {
        let origin = file ?? "experiment"
        // Syntax errors and duplicate keys, with the file, line and key path.
        var user = try YAMLDocument.compose(yaml, origin: origin) ?? Node([(Node, Node)]())
        if user.mapping == nil {
            throw FileError(path: origin, line: user.mark?.line, "expected a mapping of experiment keys at the top level")
        }
        var overridden: [[String]] = []
        for assignment in overrides {
            let (path, value) = try parseOverride(assignment)
            try set(value, at: path, in: &user, done: [], assignment: assignment)
            overridden.append(path)
        }
        let merged = layStages(overlay(user, on: try defaultsNode(), path: []))
        do {
            let text = try Yams.serialize(node: merged)
            return try YAMLDecoder().decode(Experiment.self, from: text)
        } catch {
            throw describe(error, origin: origin, user: user, merged: merged, overridden: overridden)
        }
    }

    /// The resolved experiment as YAML with every key spelt out (nulls included), in the defaults' order.
    public static func resolvedYAML(_ experiment: Experiment) throws -> String {
        let encoded = try Yams.compose(yaml: try YAMLEncoder().encode(experiment)) ?? Node([(Node, Node)]())
        let json = JSONEncoder()
        json.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let exact = try StrictJSON.parse(try json.encode(experiment), path: "experiment")
        return try Yams.serialize(node: complete(exactFloats(encoded, exact), schema: try defaultsNode(), path: []))
    }

    /// `encoded` with every float written as Swift's shortest round-trip text. Yams writes a Double
    /// without an exponent to 15 significant digits, so a value such as 0.00092233720368547758 would read
    /// back from the run's `experiment.yaml` as another Double and a resumed run would train with it.
    /// `exact` is the same experiment through JSONEncoder, whose numbers keep every digit.
    static func exactFloats(_ encoded: Node, _ exact: StrictJSON) -> Node {
        switch (encoded, exact) {
        case let (.mapping(map), .object(pairs)):
            let values = Dictionary(pairs, uniquingKeysWith: { first, _ in first })
            let entries = map.map { key, value -> (Node, Node) in
                guard let name = key.string, let v = values[name] else { return (key, value) }
                return (key, exactFloats(value, v))
            }
            return Node(entries, map.tag, map.style)
        case let (.sequence(items), .array(values)) where items.count == values.count:
            return Node(zip(items, values).map { exactFloats($0, $1) }, items.tag, items.style)
        case let (.scalar(scalar), .number(value)) where value.isFinite && Double(scalar.string) != nil:
            var text = "\(value)"
            // YAML reads 1e-05 as a float only with a dot in the mantissa.
            if !text.contains("."), let e = text.firstIndex(of: "e") { text.insert(contentsOf: ".0", at: e) }
            return Node(text, scalar.tag, scalar.style)
        default:
            return encoded
        }
    }

    // MARK: - Node trees

    static func defaultsNode() throws -> Node {
        guard let node = try Yams.compose(yaml: ExperimentDefaults.document) else { preconditionFailure("empty defaults") }
        return node
    }

    static func taskTemplate() -> Node {
        (try? Yams.compose(yaml: ExperimentDefaults.taskEntry)) ?? Node([(Node, Node)]())
    }

    static func stageTemplate() -> Node {
        (try? Yams.compose(yaml: ExperimentDefaults.stageEntry)) ?? Node([(Node, Node)]())
    }

    /// Whether `path` is a list of task entries: the experiment's `tasks` or a stage's.
    static func isTaskList(_ path: [String]) -> Bool { path == ["tasks"] || path == ["stages", "*", "tasks"] }

    /// A stage's base: the stage template's keys, then the inherited keys' values in `experiment` (the
    /// resolved top level, or the defaults).
    static func stageBase(_ experiment: Node) -> Node {
        var pairs: [(Node, Node)] = stageTemplate().mapping.map { $0.map { ($0.key, $0.value) } } ?? []
        for key in StageSettings.inheritedKeys {
            if let value = experiment.mapping?[key] { pairs.append((Node(key), value)) }
        }
        return Node(pairs)
    }

    /// `merged` with each entry of `stages` laid over the resolved top-level keys it inherits.
    static func layStages(_ merged: Node) -> Node {
        guard let map = merged.mapping, let stages = map["stages"], let items = stages.sequence else { return merged }
        let base = stageBase(merged)
        let laid = Node(items.map { overlay($0, on: base, path: ["stages", "*"]) }, stages.tag, items.style)
        return Node(map.map { ($0.key, $0.key.string == "stages" ? laid : $0.value) }, map.tag, map.style)
    }

    /// `user` laid over `base`: mappings merge key by key in the base's order (keys the base lacks are
    /// kept, so decoding can reject them); each entry of a task list is laid over the task template.
    static func overlay(_ user: Node, on base: Node, path: [String]) -> Node {
        if isTaskList(path), let items = user.sequence {
            let template = taskTemplate()
            return Node(items.map { overlay($0, on: template, path: path + ["*"]) }, user.tag, items.style)
        }
        guard let userMap = user.mapping, let baseMap = base.mapping else { return user }
        var pairs: [(Node, Node)] = []
        var seen = Set<String>()
        for (k, v) in baseMap {
            let key = k.string ?? ""
            if let (uk, uv) = userMap.first(where: { $0.key.string == key }) {
                pairs.append((uk, overlay(uv, on: v, path: path + [key])))
                seen.insert(key)
            } else {
                pairs.append((k, v))
            }
        }
        for (k, v) in userMap where !seen.contains(k.string ?? "") { pairs.append((k, v)) }
        return Node(pairs, userMap.tag, userMap.style)
    }

    /// `encoded` with every schema key present (null where the encoder omitted a nil), in schema order.
    static func complete(_ encoded: Node, schema: Node, path: [String]) -> Node {
        if isTaskList(path), let items = encoded.sequence {
            let template = taskTemplate()
            return Node(items.map { complete($0, schema: template, path: path + ["*"]) })
        }
        if path == ["stages"], let items = encoded.sequence {
            let stage = stageBase((try? defaultsNode()) ?? Node([(Node, Node)]()))
            return Node(items.map { complete($0, schema: stage, path: ["stages", "*"]) })
        }
        guard let map = encoded.mapping, let schemaMap = schema.mapping else { return encoded }
        var pairs: [(Node, Node)] = []
        var seen = Set<String>()
        for (k, v) in schemaMap {
            let key = k.string ?? ""
            seen.insert(key)
            if let value = map[key] {
                pairs.append((Node(key), complete(value, schema: v, path: path + [key])))
            } else {
                pairs.append((Node(key), Node("null", .implicit)))
            }
        }
        for (k, v) in map where !seen.contains(k.string ?? "") { pairs.append((k, v)) }
        return Node(pairs)
    }

    // MARK: - Overrides

    static func parseOverride(_ assignment: String) throws -> ([String], Node) {
        guard let eq = assignment.firstIndex(of: "="), eq != assignment.startIndex else {
            throw ConfigError(file: "--set", key: assignment, "expected key=value (a dotted key such as optimization.lr=3e-4)")
        }
        let key = String(assignment[..<eq])
        let valueText = String(assignment[assignment.index(after: eq)...])
        let path = key.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        if path.contains(where: \.isEmpty) {
            throw ConfigError(file: "--set", key: key, "empty segment in dotted key")
        }
        let value: Node
        do {
            value = try YAMLDocument.compose(valueText, origin: "--set \(key)") ?? Node("null", .implicit)
        } catch {
            throw ConfigError(file: "--set", key: key, "value is not valid YAML: \(excerpt(valueText))")
        }
        return (path, value)
    }

    /// Puts `value` at `path`, creating mappings on the way. In a list, a segment is an index or the
    /// `name` of an entry (`tasks.cldr-mlm.weight=2`).
    static func set(_ value: Node, at path: [String], in node: inout Node, done: [String], assignment: String) throws {
        guard let head = path.first else { node = value; return }
        let rest = Array(path.dropFirst())
        let here = (done + [head]).joined(separator: ".")
        if var items = node.sequence.map(Array.init) {
            let index: Int
            if let i = Int(head) {
                guard i >= 0 && i < items.count else {
                    throw ConfigError(file: "--set", key: here, "index \(i) is out of range: the list has \(items.count) entries")
                }
                index = i
            } else if let i = items.firstIndex(where: { $0.mapping?["name"]?.string == head }) {
                index = i
            } else {
                throw ConfigError(file: "--set", key: here, "no entry named '\(head)' in \(done.joined(separator: "."))")
            }
            try set(value, at: rest, in: &items[index], done: done + [head], assignment: assignment)
            node = Node(items, node.tag, node.sequence?.style ?? .any)
            return
        }
        var pairs: [(Node, Node)]
        if let map = node.mapping {
            pairs = map.map { ($0.key, $0.value) }
        } else if node.null != nil {
            pairs = []
        } else {
            throw ConfigError(file: "--set", key: done.joined(separator: "."), "is a single value; it has no key '\(head)'")
        }
        if let i = pairs.firstIndex(where: { $0.0.string == head }) {
            try set(value, at: rest, in: &pairs[i].1, done: done + [head], assignment: assignment)
        } else {
            var child = Node("null", .implicit)
            try set(value, at: rest, in: &child, done: done + [head], assignment: assignment)
            pairs.append((Node(head), child))
        }
        node = Node(pairs, node.mapping?.tag ?? .implicit, node.mapping?.style ?? .any)
    }

    // MARK: - Errors

    /// The node at a dotted path, and the line of the deepest key found on the way.
    static func lookup(_ path: [String], in root: Node) -> (node: Node?, line: Int?) {
        var node: Node? = root
        var line = root.mark?.line
        for segment in path {
            guard let current = node else { break }
            if let map = current.mapping, let pair = map.first(where: { $0.key.string == segment }) {
                line = pair.key.mark?.line ?? line
                node = pair.value
            } else if let items = current.sequence, let i = Int(segment), i >= 0, i < items.count {
                node = items[i]
                line = node?.mark?.line ?? line
            } else {
                return (nil, line)
            }
        }
        return (node, line)
    }

    static func describe(_ error: Error, origin: String, user: Node, merged: Node, overridden: [[String]]) -> Error {
        let path: [String]
        let message: String
        // Yams wraps errors thrown inside `init(from:)` as the underlying error of `dataCorrupted`.
        var error = error
        if case let DecodingError.dataCorrupted(context) = error, let inner = context.underlyingError as? SchemaViolation {
            error = inner
        }
        switch error {
        case let v as SchemaViolation:
            path = v.path.map { $0.intValue.map(String.init) ?? $0.stringValue }
            message = v.message
        case let DecodingError.typeMismatch(type, context):
            path = context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }
            let found = lookup(path, in: merged).node.map(describeValue) ?? "nothing"
            message = "expected \(describeType(type)), found \(found)"
        case let DecodingError.valueNotFound(type, context):
            path = context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }
            message = "expected \(describeType(type)), found null"
        case let DecodingError.keyNotFound(key, context):
            path = (context.codingPath + [key]).map { $0.intValue.map(String.init) ?? $0.stringValue }
            message = "required key is missing"
        case let DecodingError.dataCorrupted(context):
            path = context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }
            let found = lookup(path, in: merged).node.map(describeValue) ?? "nothing"
            message = "invalid value \(found): \(context.debugDescription)"
        default:
            return FileError(path: origin, "\(error)")
        }
        return configError(key: path, message, origin: origin, user: user, overridden: overridden)
    }

    /// A `ConfigError` whose file part is `file:line` when the key is in the file, or `--set` when an
    /// override put it there.
    static func configError(key path: [String], _ message: String, origin: String, user: Node, overridden: [[String]]) -> ConfigError {
        let key = path.isEmpty ? "(top level)" : path.joined(separator: ".")
        if overridden.contains(where: { path.starts(with: $0) }) {
            return ConfigError(file: "--set", key: key, message)
        }
        let found = lookup(path, in: user)
        let location = found.line.map { "\(origin):\($0)" } ?? origin
        return ConfigError(file: location, key: key, message)
    }

    static func describeType(_ type: Any.Type) -> String {
        switch type {
        case is Int.Type: return "an integer"
        case is UInt64.Type: return "a non-negative integer"
        case is Double.Type, is Float.Type: return "a number"
        case is String.Type: return "a string"
        case is Bool.Type: return "true or false"
        default:
            let name = String(describing: type)
            if name.hasPrefix("Array") || name == "Sequence" { return "a list" }
            if name.contains("Dictionary") || name.contains("Keyed") { return "a mapping" }
            return name
        }
    }

    static func describeValue(_ node: Node) -> String {
        switch node {
        case .scalar(let s): return "'\(excerpt(s.string))'"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        }
    }
}
