import Foundation
import Platform
import Yams

enum SpecDecoding {
    /// Decodes a YAML spec file, turning every failure into a `ConfigError` that names the file and
    /// the dotted key path (`data.en.train`).
    static func decode<T: Decodable>(_ type: T.Type, path: String) throws -> T {
        let text = try YAMLDocument.read(path: path)
        // Syntax errors and duplicate keys, with the file, line and key path.
        _ = try YAMLDocument.compose(text, origin: path)
        do {
            return try YAMLDecoder().decode(T.self, from: text)
        } catch let error as DecodingError {
            if case .dataCorrupted(let context) = error {
                if let yaml = context.underlyingError as? YamlError { throw YAMLDocument.syntaxError(yaml, origin: path) }
                if let v = context.underlyingError as? SchemaViolation {
                    throw ConfigError(file: path, key: keyPath(v.path), v.message)
                }
            }
            throw configError(error, file: path)
        } catch let v as SchemaViolation {
            throw ConfigError(file: path, key: keyPath(v.path), v.message)
        } catch let error as YamlError {
            throw YAMLDocument.syntaxError(error, origin: path)
        }
    }

    static func keyPath(_ path: [CodingKey]) -> String {
        path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
            .joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
    }

    static func configError(_ error: DecodingError, file: String) -> ConfigError {
        switch error {
        case .keyNotFound(let key, let context):
            return ConfigError(file: file, key: keyPath(context.codingPath + [key]), "missing required key")
        case .typeMismatch(let type, let context):
            return ConfigError(file: file, key: keyPath(context.codingPath), "expected \(describe(type)); \(context.debugDescription)")
        case .valueNotFound(let type, let context):
            return ConfigError(file: file, key: keyPath(context.codingPath), "expected \(describe(type)), found nothing")
        case .dataCorrupted(let context):
            return ConfigError(file: file, key: keyPath(context.codingPath), context.debugDescription)
        @unknown default:
            return ConfigError(file: file, key: "", "\(error)")
        }
    }

    static func describe(_ type: Any.Type) -> String {
        let name = String(describing: type)
        switch name {
        case "String": return "a string"
        case "Int": return "an integer"
        case "Double": return "a number"
        case "Bool": return "true or false"
        default: return name.hasPrefix("Array") ? "a list" : (name.hasPrefix("Dictionary") ? "a mapping" : name)
        }
    }
}
