import Foundation
import Platform

/// Streams the objects of a JSON Lines file (one JSON object per line, at most
/// `InputLimits.lineBytes`; blank lines skipped). Parsed strictly: a key given twice in one record
/// is an error naming the line and the key.
public struct JSONLReader {
    public let path: String
    public init(path: String) { self.path = path }

    public func forEach(_ body: ([String: Any], Int) throws -> Void) throws {
        let reader = try LineReader(path: path)
        while let line = try reader.next() {
            if line.isBlankLine { continue }
            let value = try StrictJSON.parse(line.utf8, path: path, line: reader.lineNumber)
            guard case .object = value, let dict = value.foundationValue as? [String: Any] else {
                throw reader.error("expected a JSON object, found \(Self.kind(value))")
            }
            try body(dict, reader.lineNumber)
        }
    }

    static func kind(_ value: StrictJSON) -> String {
        switch value {
        case .object: return "an object"
        case .array: return "a list"
        case .string: return "a string"
        case .integer, .number: return "a number"
        case .bool: return "true or false"
        case .null: return "null"
        }
    }

    /// What a decoded JSON value is, for messages ("a list", "null").
    static func kind(of value: Any) -> String {
        switch value {
        case is String: return "a string"
        case is NSNull: return "null"
        case is [Any]: return "a list"
        case is [String: Any]: return "an object"
        case let n as NSNumber: return String(cString: n.objCType) == "c" ? "true or false" : "a number"
        default: return "a value of another kind"
        }
    }

    /// A field as a string: strings as they are, numbers and booleans written out.
    static func string(_ value: Any?) -> String? {
        switch value {
        case let s as String: return s
        case let n as NSNumber:
            // JSON booleans arrive as NSNumbers of type char.
            if String(cString: n.objCType) == "c" { return n.boolValue ? "true" : "false" }
            return n.stringValue
        default: return nil
        }
    }
}

/// One question of a SQuAD v1.1 file.
public struct SQuADQuestion: Sendable, Equatable {
    public var id: String
    public var title: String
    public var context: String
    public var question: String
    public var answers: [SpanAnswer]
}

/// Reads SQuAD v1.1 JSON (XQuAD, MLQA). The file is one JSON document, so it is parsed whole;
/// positions in errors are JSON paths. `answer_start` counts characters (Unicode scalars, as
/// Python does); answers are converted to UTF-8 byte ranges and checked against the context.
public struct SQuADReader {
    public let path: String
    public init(path: String) { self.path = path }

    /// Calls `body` with every question, or under `articles` only with those of the articles in that
    /// range (every article is still checked). `articleCount` is told how many articles the file has
    /// before any question is handed out.
    public func forEach(articles keep: Range<Int>? = nil, articleCount: (Int) throws -> Void = { _ in },
                        _ body: (SQuADQuestion) throws -> Void) throws {
        // Bounded (InputLimits.jsonBytes), regular files only, duplicate keys rejected.
        let root = try StrictJSON.read(path: path).foundationValue
        func fail(_ where_: String, _ message: String) -> FileError { FileError(path: path, "\(where_): \(message)") }
        guard let top = root as? [String: Any], let articles = top["data"] as? [[String: Any]] else {
            throw fail("data", "expected a top-level object with a 'data' list")
        }
        try articleCount(articles.count)
        for (a, article) in articles.enumerated() {
            let kept = keep?.contains(a) ?? true
            let title = article["title"] as? String ?? ""
            guard let paragraphs = article["paragraphs"] as? [[String: Any]] else {
                throw fail("data[\(a)].paragraphs", "expected a list of paragraphs")
            }
            for (p, paragraph) in paragraphs.enumerated() {
                let at = "data[\(a)].paragraphs[\(p)]"
                guard let context = paragraph["context"] as? String else { throw fail("\(at).context", "expected a string") }
                guard !context.unicodeScalars.allSatisfy(\.properties.isWhitespace) else { throw fail("\(at).context", "expected a text, found an empty string") }
                guard let qas = paragraph["qas"] as? [[String: Any]] else { throw fail("\(at).qas", "expected a list of questions") }
                let scalarToByte = Self.scalarOffsets(context)
                let contextBytes = Array(context.utf8)
                for (q, qa) in qas.enumerated() {
                    let qat = "\(at).qas[\(q)]"
                    guard let question = qa["question"] as? String else { throw fail("\(qat).question", "expected a string") }
                    guard !question.unicodeScalars.allSatisfy(\.properties.isWhitespace) else { throw fail("\(qat).question", "expected a text, found an empty string") }
                    guard let id = qa["id"] as? String else { throw fail("\(qat).id", "expected a string") }
                    guard let answers = qa["answers"] as? [[String: Any]] else { throw fail("\(qat).answers", "expected a list") }
                    var spans: [SpanAnswer] = []
                    for (k, answer) in answers.enumerated() {
                        guard let text = answer["text"] as? String, let start = answer["answer_start"] as? Int else {
                            throw fail("\(qat).answers[\(k)]", "expected text and an integer answer_start")
                        }
                        let length = text.unicodeScalars.count
                        guard start >= 0, start + length < scalarToByte.count else {
                            throw fail("\(qat).answers[\(k)]", "answer_start \(start) lies outside the context")
                        }
                        let range = scalarToByte[start]..<scalarToByte[start + length]
                        guard contextBytes[range].elementsEqual(text.utf8) else {
                            throw fail("\(qat).answers[\(k)]", "expected the context at answer_start \(start) to read '\(excerpt(text))'")
                        }
                        spans.append(SpanAnswer(text: text, range: range))
                    }
                    if kept { try body(SQuADQuestion(id: id, title: title, context: context, question: question, answers: spans)) }
                }
            }
        }
    }

    /// UTF-8 byte offset of every scalar index, plus the end.
    static func scalarOffsets(_ s: String) -> [Int] {
        var out: [Int] = []
        out.reserveCapacity(s.unicodeScalars.count + 1)
        var b = 0
        for scalar in s.unicodeScalars { out.append(b); b += UTF8.width(scalar) }
        out.append(b)
        return out
    }
}

/// Streams two files line by line in step (Tatoeba: line i of the source translates line i of
/// the target); a different number of lines is an error at the first line one file lacks.
public struct ParallelTextReader {
    public let sourcePath: String
    public let targetPath: String
    public init(sourcePath: String, targetPath: String) { self.sourcePath = sourcePath; self.targetPath = targetPath }

    public func forEach(_ body: (String, String, Int) throws -> Void) throws {
        let source = try LineReader(path: sourcePath)
        let target = try LineReader(path: targetPath)
        while true {
            let s = try source.next()
            let t = try target.next()
            switch (s, t) {
            case (nil, nil): return
            case (let s?, let t?):
                if s.isEmpty { throw source.error("expected a sentence, found an empty line") }
                if t.isEmpty { throw target.error("expected a sentence, found an empty line") }
                try body(s, t, source.lineNumber)
            case (nil, _):
                throw FileError(path: sourcePath, line: source.lineNumber + 1, "expected a line translating \(targetPath):\(target.lineNumber), found the end of the file")
            case (_, nil):
                throw FileError(path: targetPath, line: target.lineNumber + 1, "expected a line translating \(sourcePath):\(source.lineNumber), found the end of the file")
            }
        }
    }
}

/// Streams the non-empty lines of a plain text file (MLM corpora).
public struct PlainTextReader {
    public let path: String
    public init(path: String) { self.path = path }

    public func forEach(_ body: (String, Int) throws -> Void) throws {
        let reader = try LineReader(path: path)
        while let line = try reader.next() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            try body(trimmed, reader.lineNumber)
        }
    }
}
