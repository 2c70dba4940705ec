import Engine
import Foundation
import Platform

/// Polyglot's checkpoint folder:
/// - `model.json`: `ModelConfig` (encoder hyper-parameters, padding id, provenance)
/// - `heads.json`: the heads' specs, label sets included
/// - `weights.safetensors`: every parameter under its store name (F32), plus kept extra tensors
/// - `tokenizer.json`: the tokenizer, byte for byte as given
/// - `manifest.json`: the files and their sizes (loading refuses a folder that does not match it)
/// The folder is written atomically (`AtomicDirectory`).
public enum ModelCheckpoint {
    public static let modelFile = "model.json", headsFile = "heads.json", weightsFile = "weights.safetensors"
    public static let tokenizerFile = "tokenizer.json", manifestFile = "manifest.json"

    struct HeadsFile: Codable { var heads: [HeadSpec] }
    struct Manifest: Codable { var format: String; var files: [String: Int] }

    /// The safetensors image of a model's weights.
    public static func weightsImage(_ model: MultiTaskModel) throws -> Data {
        var w = SafetensorsWriter(metadata: ["format": "pt", "producer": "polyglot"])
        for e in model.store.entries {
            try w.add(e.name, shape: e.shape.dims, floats: try model.store.get(e.name))
        }
        for name in model.extraTensors.keys.sorted() {
            let t = model.extraTensors[name]!
            try w.add(name, shape: t.shape, floats: t.values)
        }
        return w.serialized()
    }

    /// Writes the checkpoint; `extraFiles` (plain names) travel with it, e.g. a trainer's state.
    public static func save(_ model: MultiTaskModel, tokenizerJSON: Data?, to dir: URL, extraFiles: [String: Data] = [:]) throws {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        var files = extraFiles
        files[modelFile] = try enc.encode(model.config)
        files[headsFile] = try enc.encode(HeadsFile(heads: model.headSpecs))
        files[weightsFile] = try weightsImage(model)
        if let tokenizerJSON { files[tokenizerFile] = tokenizerJSON }
        let manifest = Manifest(format: ModelConfig.formatName, files: files.mapValues(\.count))
        files[manifestFile] = try enc.encode(manifest)
        try AtomicDirectory.write(files, to: dir)
    }

    /// Reads the structure (config and heads) of a checkpoint without its weights.
    public static func readStructure(_ dir: URL) throws -> (config: ModelConfig, heads: [HeadSpec]) {
        let manifestURL = dir.appendingPathComponent(manifestFile)
        let manifest: Manifest = try decode(manifestURL)
        for (name, size) in manifest.files {
            let path = dir.appendingPathComponent(name).path
            guard let attrs = try? FileManager.default.attributesOfItem(atPath: path), let actual = attrs[.size] as? Int else {
                throw FileError(path: path, "listed in \(manifestFile) but missing")
            }
            guard actual == size else { throw FileError(path: path, "is \(actual) bytes, \(manifestFile) says \(size) (incomplete copy?)") }
        }
        let modelURL = dir.appendingPathComponent(modelFile)
        let config: ModelConfig = try decode(modelURL)
        try config.validate(file: modelURL.path)
        let heads: HeadsFile = try decode(dir.appendingPathComponent(headsFile))
        return (config, heads.heads)
    }

    /// Rebuilds the model and loads every weight; throws `CheckpointError` listing all mismatches. The
    /// model of a run's checkpoint is first checked against the checkpoint's manifest (`verifyInRun`).
    public static func load(_ dir: URL, maxBatch: Int, maxLength: Int) throws -> MultiTaskModel {
        try verifyInRun(dir)
        let (config, heads) = try readStructure(dir)
        // Every parameter is loaded below (all or nothing), so none is drawn first.
        let model = try MultiTaskModel(config: config, heads: heads, maxBatch: maxBatch,
                                       maxLength: Swift.min(maxLength, config.encoder.maxPositions), initialize: false)
        let weightsURL = dir.appendingPathComponent(weightsFile)
        let file = try SafetensorsFile(url: weightsURL)
        var error = CheckpointError(path: weightsURL.path)
        let names = Set(model.store.names)
        let assignments = model.store.names.map { WeightLoading.Assignment(source: $0, target: $0) }
        WeightLoading.check(assignments, file: file, store: model.store, into: &error)
        var extras: [String: (shape: [Int], values: [Float])] = [:]
        for e in file.entries where !names.contains(e.name) {
            if e.name.hasPrefix("pooler.") && e.dtype.isFloatingPoint {
                extras[e.name] = (e.shape, try file.floats(e.name))
            } else {
                error.unexpected.append(e.name)
            }
        }
        guard error.isEmpty else { throw error }
        try WeightLoading.apply(assignments, file: file, store: model.store)
        model.extraTensors = extras
        return model
    }

    public static func tokenizerURL(_ dir: URL) -> URL { dir.appendingPathComponent(tokenizerFile) }

    /// A model folder of a run's checkpoint (`<run>/checkpoints/<name>/model`) whose checkpoint has a
    /// manifest is checked against it (the files under `model/`: sizes, SHA-256, nothing missing or
    /// added); `FileManifest.Mismatch` names the file that differs. Other folders pass unchecked.
    public static func verifyInRun(_ dir: URL) throws {
        let model = dir.standardizedFileURL
        let checkpoint = model.deletingLastPathComponent()
        guard model.lastPathComponent == "model", checkpoint.deletingLastPathComponent().lastPathComponent == "checkpoints",
              FileManifest.exists(in: checkpoint) else { return }
        try FileManifest.verify(folder: checkpoint, label: checkpoint.path, subfolder: "model")
    }

    static func decode<T: Decodable>(_ url: URL) throws -> T {
        try StrictJSON.decode(T.self, path: url.path)
    }
}
