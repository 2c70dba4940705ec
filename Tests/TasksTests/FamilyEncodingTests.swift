import Data
import Engine
import Foundation
import Models
import Platform
import Testing
import Text
@testable import Tasks

/// The families' encodings on a real tokenizer file (the committed mBERT and XLM-R fixtures).
@Suite struct FamilyEncodingTests {
    static let families = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/text/families")

    func tokenizer(_ name: String, maxLength: Int) throws -> Tokenizer {
        var t = try Tokenizer.load(from: Self.families.appendingPathComponent("\(name).tokenizer.json"))
        t.maxLength = maxLength
        return t
    }

    func spec(_ type: TaskType, labels: [String] = [], extra: String = "") throws -> TaskSpec {
        let labelLines = labels.isEmpty ? "" : "labels:\n" + labels.map { "  - {name: \($0), description: \($0)}" }.joined(separator: "\n") + "\n"
        let metric = type == .spanQA ? "f1" : "accuracy"
        let metrics = type == .spanQA ? "[exact_match, f1]" : "[accuracy]"
        let format = type == .spanQA ? "squad" : type == .tagging ? "conllu" : "jsonl"
        let yaml = "name: t\ntype: \(type.rawValue)\nformat: \(format)\n\(labelLines)metrics: \(metrics)\nmajor_metric: \(metric)\n\(extra)data:\n  en: {test: x}\n"
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("polyglot-family-spec-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: url) }
        let file = url.appendingPathComponent("t.yaml")
        try yaml.write(to: file, atomically: true, encoding: .utf8)
        return try TaskSpec.load(path: file.path)
    }

    /// A model with random weights, enough to run predict.
    func model(_ tokenizer: Tokenizer, heads: [HeadSpec]) throws -> MultiTaskModel {
        let encoder = EncoderConfig(vocabSize: tokenizer.vocabSize, hiddenSize: 16, numLayers: 1, numHeads: 2, intermediateSize: 32, maxPositions: 64)
        return try MultiTaskModel(config: ModelConfig(encoder: encoder, padTokenId: tokenizer.specialTokenIDs.pad ?? 0), heads: heads,
                                  maxBatch: 16, maxLength: 64, seed: 1)
    }

    @Test func longSentencesAreTaggedInWindowsThatScoreEveryWordOnce() throws {
        let tok = try tokenizer("mbert", maxLength: 12)
        let words = (0..<37).map { ["Zürich", "river", "the", "internationalization", "of", "März", "à", "naïve", "cities"][$0 % 9] }
        let tags = words.indices.map { $0 % 3 == 0 ? "B" : "O" }
        let example = Example(id: "s1", language: "en", input: .tagged(TaggedText(words: words, tags: tags)))
        let family = TaggingTask(spec: try spec(.tagging, labels: ["O", "B"]), head: HeadSpec(name: "t", kind: .tokenTagging, labels: ["O", "B"]))
        let encoded = try family.encode([example], tokenizer: tok)
        #expect(encoded.features.count > 3)
        #expect(encoded.report.counts["sentences-split"] == 1 && encoded.report.counts["windows"] == encoded.features.count)
        var owner = [Int](repeating: 0, count: words.count)
        for f in encoded.features {
            #expect(f.ids.count <= 12)
            guard case .tags(let t) = f.target, let wordAt = f.wordAt else { Issue.record("no tags"); continue }
            for (k, w) in wordAt.enumerated() where w >= 0 {
                owner[Int(w)] += 1
                #expect(t[k] == (tags[Int(w)] == "B" ? 1 : 0))
            }
            // Positions that score no word carry the ignore index.
            for (k, w) in wordAt.enumerated() where w < 0 { #expect(t[k] == EncodedExample.ignoreIndex) }
        }
        #expect(owner == [Int](repeating: 1, count: words.count))
        // Predictions: a tag for every word (none left as "_"), one record.
        let m = try model(tok, heads: [family.head])
        let records = try family.predict(encoded, model: m, batchSize: 4)
        #expect(records.count == 1)
        #expect(records[0].predicted.tags?.count == words.count && records[0].predicted.tags?.contains("_") == false)
    }

    @Test func shortSentencesAreOneFeatureWithTheirTags() throws {
        let tok = try tokenizer("mbert", maxLength: 64)
        let example = Example(id: "s", language: "en", input: .tagged(TaggedText(words: ["a", "naïve", "river"], tags: ["B", "O", "B"])))
        let family = TaggingTask(spec: try spec(.tagging, labels: ["O", "B"]), head: HeadSpec(name: "t", kind: .tokenTagging, labels: ["O", "B"]))
        let encoded = try family.encode([example], tokenizer: tok)
        #expect(encoded.features.count == 1 && encoded.report.isEmpty)
        #expect(encoded.features[0].wordAt?.filter { $0 >= 0 } == [0, 1, 2])
    }

    @Test func multipleChoiceEncodesEachChoiceAfterThePremiseWithTheQuestionWord() throws {
        let tok = try tokenizer("xlmr", maxLength: 64)
        let example = Example(id: "c", language: "en", input: .choices(context: "The man turned on the tap.", question: "effect",
                                                                       choices: ["The toilet filled.", "Water flowed."]), label: "1")
        let family = MultipleChoiceTask(spec: try spec(.multipleChoice, extra: "columns: {text: premise, choices: [choice1, choice2], label: label}\n"), head: HeadSpec(name: "t", kind: .multipleChoice, numChoices: 2))
        let encoded = try family.encode([example], tokenizer: tok)
        guard case .choices(let sequences, _, let answer) = encoded.features[0].target else { Issue.record("not choices"); return }
        #expect(answer == 1 && sequences.count == 2)
        let expected = try tok.encode(pair: "The man turned on the tap.", "effect Water flowed.")
        #expect(sequences[1] == expected.ids.map(Int32.init))
        // A line with three choices for a two-choice head is an error naming the example.
        let three = Example(id: "bad", language: "en", input: .choices(context: "c", question: nil, choices: ["a", "b", "c"]), label: "0")
        #expect(throws: FileError.self) { _ = try family.encode([three], tokenizer: tok) }
        let m = try model(tok, heads: [family.head])
        let records = try family.predict(encoded, model: m, batchSize: 8)
        #expect(records.count == 1 && ["0", "1"].contains(records[0].predicted.label ?? ""))
    }

    @Test func aQuestionLongerThanTheWindowIsAnErrorNamingTheExampleAndField() throws {
        let tok = try tokenizer("mbert", maxLength: 8)
        let question = SpanQuestion(context: "The river runs through the city.", question: "Which river runs through the old city of Zürich?",
                                    answers: [SpanAnswer(text: "river", range: 4..<9)])
        let family = SpanQATask(spec: try spec(.spanQA), head: HeadSpec(name: "t", kind: .spanQA))
        do {
            _ = try family.encode([Example(id: "q7", language: "de", input: .span(question))], tokenizer: tok)
            Issue.record("expected an error")
        } catch let e as FileError {
            #expect(e.description.contains("t.yaml") && e.description.contains("de example q7") && e.description.contains("question"))
        }
        // With room, the windows are counted and the answer is found in one of them.
        let wide = try family.encode([Example(id: "q7", language: "de", input: .span(question))], tokenizer: try tokenizer("mbert", maxLength: 64))
        #expect(wide.report.counts["windows"] == 1 && wide.report.counts["windows-with-answer"] == 1)
        // A question longer than half the window is cut, and counted.
        let long = SpanQuestion(context: String(repeating: "The river runs through the city. ", count: 8),
                                question: String(repeating: "which river ", count: 12), answers: [SpanAnswer(text: "river", range: 4..<9)])
        let cut = try family.encode([Example(id: "q8", language: "de", input: .span(long))], tokenizer: try tokenizer("mbert", maxLength: 32))
        #expect(cut.report.counts["questions-cut"] == 1 && (cut.report.counts["question-tokens-cut"] ?? 0) > 0)
        #expect((cut.report.counts["windows"] ?? 0) > 1)
        let m = try model(tok, heads: [family.head])
        let records = try family.predict(cut, model: m, batchSize: 4)
        #expect(records.count == 1 && records[0].gold == .tags(["river"]))
        // The answer is a slice of the context, whatever the weights.
        #expect(long.context.contains(records[0].predicted.label ?? "∅"))
    }
}
