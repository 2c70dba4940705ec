import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What sits at a path, read with lstat: the last component is never followed.
public enum PathEntry: Equatable, Sendable {
    case missing, file, folder, symbolicLink, fifo, characterDevice, blockDevice, socket, other

    public init(path: String) {
        var st = stat()
        guard lstat(path, &st) == 0 else {
            // ENOENT and ENOTDIR: nothing there. Anything else (EACCES, ELOOP, ...) is not known to be empty.
            self = (errno == ENOENT || errno == ENOTDIR) ? .missing : .other
            return
        }
        self.init(mode: st.st_mode)
    }

    /// The kind a `stat`/`lstat` mode names.
    public init(mode: mode_t) {
        switch mode & S_IFMT {
        case S_IFREG: self = .file
        case S_IFDIR: self = .folder
        case S_IFLNK: self = .symbolicLink
        case S_IFIFO: self = .fifo
        case S_IFCHR: self = .characterDevice
        case S_IFBLK: self = .blockDevice
        case S_IFSOCK: self = .socket
        default: self = .other
        }
    }

    /// "a symbolic link", "a FIFO", ... for messages.
    public var noun: String {
        switch self {
        case .missing: return "nothing"
        case .file: return "a regular file"
        case .folder: return "a folder"
        case .symbolicLink: return "a symbolic link"
        case .fifo: return "a FIFO (named pipe)"
        case .characterDevice: return "a character device"
        case .blockDevice: return "a block device"
        case .socket: return "a socket"
        case .other: return "something that cannot be inspected"
        }
    }

    /// Never written over or through, not even with `--force`.
    public var isSpecial: Bool { self != .missing && self != .file && self != .folder }
}

/// A file's device and inode (following symbolic links): two paths name the same file when these match.
public struct FileIdentity: Equatable, Hashable, Sendable {
    public let device: UInt64
    public let inode: UInt64

    public init?(path: String) {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        device = UInt64(st.st_dev)
        inode = UInt64(st.st_ino)
    }
}

/// A path a command reads, with the flag that named it: an output may never be it (nor, for a folder
/// output, a folder that contains it).
public struct CommandInput: Sendable {
    public let path: String
    public let flag: String
    public init(_ path: String, flag: String) { self.path = path; self.flag = flag }
}

/// An output the policy refuses: the path, what is there, and what to do.
public struct OutputRefusal: PolyglotError, Equatable {
    public let path: String
    public let reason: String
    public init(path: String, _ reason: String) { self.path = path; self.reason = reason }
    public var description: String { "\(path): \(reason)" }
}

/// The one rule for every path a command writes:
/// - what does not exist is created;
/// - only what Polyglot wrote is replaced: a folder carrying Polyglot's output marker of the same kind whose
///   every entry the marker lists (export folders), a run folder's own files (written by name inside a run);
/// - a regular file Polyglot does not know, or a non-empty folder that is not Polyglot's, is refused with a
///   message naming the path, what is there and `--force`; with `--force` a file is replaced and a folder
///   gets Polyglot's files written into it one by one, nothing else in it deleted;
/// - never, not even with `--force`: a symbolic link (the last component is read with lstat and never
///   followed), a FIFO, a device, a socket, the command's own input (same device and inode) or a folder
///   containing it, a folder of another kind (a run folder as an export target), a file inside a Polyglot
///   run or export folder.
/// Writes themselves stay atomic (`AtomicFile`, `AtomicDirectory`).
public enum OutputPolicy {
    /// The marker a folder output carries: which command kind wrote it and the names it wrote.
    public static let markerName = ".polyglot-output.json"

    public struct Marker: Codable, Equatable, Sendable {
        public var writtenBy: String
        public var kind: String
        public var files: [String]
        enum CodingKeys: String, CodingKey { case writtenBy = "written_by", kind, files }
    }

    /// How a folder output is written.
    public enum FolderPlan: Equatable, Sendable {
        /// Nothing there: the folder is created (atomically, complete or not at all).
        case create
        /// A folder Polyglot wrote, of this kind, holding only what it wrote: replaced atomically.
        case replace
        /// An empty folder, or (with `--force`) a foreign one: files are written into it one by one, nothing deleted.
        case writeInto
    }

    // MARK: - Recognising Polyglot's folders

    /// A run folder `polyglot train` wrote: `experiment.yaml` and `environment.json`, both regular files.
    public static func isRunFolder(_ url: URL) -> Bool {
        PathEntry(path: url.appendingPathComponent("experiment.yaml").path) == .file
            && PathEntry(path: url.appendingPathComponent("environment.json").path) == .file
    }

    /// The marker of a folder, when it has a readable one (a regular file).
    public static func marker(of folder: URL) -> Marker? {
        let url = folder.appendingPathComponent(markerName)
        guard PathEntry(path: url.path) == .file else { return nil }
        return try? StrictJSON.decode(Marker.self, path: url.path)
    }

    /// Entries of `folder` that are not Polyglot's output of `kind`: everything but the marker, the names the
    /// marker of that kind lists, and leftovers of their interrupted atomic writes.
    /// A subfolder the marker lists files in (`1_Pooling/config.json`) is Polyglot's when it is a real
    /// folder holding only those files; its other entries are reported as `1_Pooling/<entry>`.
    static func foreignEntries(of folder: URL, kind: String?) throws -> [String] {
        var listed: Set<String> = []
        if let kind, let m = marker(of: folder), m.kind == kind { listed = Set(m.files + [markerName]) }
        var subfolders: [String: Set<String>] = [:]
        for name in listed {
            let parts = name.split(separator: "/", maxSplits: 1).map(String.init)
            if parts.count == 2 { subfolders[parts[0], default: []].insert(parts[1]) }
        }
        var foreign = try unlisted(in: folder, listed: listed, subfolders: Set(subfolders.keys))
        for (sub, names) in subfolders where foreign.contains(sub) == false && listed.contains(sub) == false {
            let url = folder.appendingPathComponent(sub)
            guard PathEntry(path: url.path) == .folder else { continue }
            foreign += try unlisted(in: url, listed: names, subfolders: []).map { sub + "/" + $0 }
        }
        return foreign.sorted()
    }

    /// Entries of one folder that are neither listed names, listed subfolders (real folders), nor
    /// `.<name>.tmp-<pid>-<n>` leftovers of an atomic write of a listed name.
    private static func unlisted(in folder: URL, listed: Set<String>, subfolders: Set<String>) throws -> [String] {
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: folder.path) } catch {
            throw OutputRefusal(path: folder.path, "cannot list the folder: \(error.localizedDescription)")
        }
        return names.filter { name in
            if listed.contains(name) { return false }
            if subfolders.contains(name) { return PathEntry(path: folder.appendingPathComponent(name).path) != .folder }
            if name.hasPrefix("."), let r = name.range(of: ".tmp-"), listed.contains(String(name[name.index(after: name.startIndex)..<r.lowerBound])) {
                return false
            }
            return true
        }
    }

    // MARK: - Checks

    /// Refuses a single-file output that may not be written; returns when `path` may be created or replaced.
    public static func checkFile(_ path: String, flag: String = "--output", force: Bool, inputs: [CommandInput] = []) throws {
        let entry = PathEntry(path: path)
        try refuseSpecial(entry, path: path)
        switch entry {
        case .missing:
            try refuseInsideOwnedFolder(path, flag: flag)
        case .folder:
            throw OutputRefusal(path: path, "is a folder; \(flag) takes a file path")
        case .file:
            if let identity = FileIdentity(path: path) {
                for input in inputs where FileIdentity(path: input.path) == identity {
                    throw OutputRefusal(path: path, "is the input of this command (\(input.flag) \(input.path)); choose another \(flag)")
                }
            }
            try refuseInsideOwnedFolder(path, flag: flag)
            guard force else {
                throw OutputRefusal(path: path, "a file is already there, not known as one Polyglot wrote; choose another \(flag), or add --force to replace it")
            }
        default:
            break
        }
    }

    /// Decides how a folder output of `kind` is written, or refuses it.
    public static func checkFolder(_ path: String, kind: String, flag: String = "--output", force: Bool,
                                   inputs: [CommandInput] = []) throws -> FolderPlan {
        let url = URL(fileURLWithPath: path, isDirectory: true)
        let entry = PathEntry(path: path)
        try refuseSpecial(entry, path: path)
        switch entry {
        case .missing:
            return .create
        case .file:
            throw OutputRefusal(path: path, "is a regular file, not a folder; choose another \(flag)")
        case .folder:
            break
        default:
            throw OutputRefusal(path: path, "\(entry.noun) is there; choose another \(flag)")
        }
        if let identity = FileIdentity(path: path) {
            for input in inputs {
                for (depth, ancestor) in ancestors(of: input.path).enumerated() where FileIdentity(path: ancestor) == identity {
                    let relation = depth == 0 ? "is" : "contains"
                    throw OutputRefusal(path: path, "\(relation) the input of this command (\(input.flag) \(input.path)); choose another \(flag)")
                }
            }
        }
        if kind != "run" && isRunFolder(url) {
            throw OutputRefusal(path: path, "is a Polyglot run folder, not a \(kind) folder; choose another \(flag) (never replaced, not even with --force)")
        }
        if kind == "run", let m = marker(of: url) {
            throw OutputRefusal(path: path, "is a Polyglot \(m.kind) folder, not a run folder; choose another \(flag)")
        }
        let all = try foreignEntries(of: url, kind: nil)
        if all.isEmpty { return .writeInto }
        if let m = marker(of: url), m.kind != kind {
            throw OutputRefusal(path: path, "is a Polyglot \(m.kind) folder, not a \(kind) folder; choose another \(flag)")
        }
        let foreign = try foreignEntries(of: url, kind: kind)
        if foreign.isEmpty { return .replace }
        if force { return .writeInto }
        let shown = foreign.prefix(3).joined(separator: ", ") + (foreign.count > 3 ? ", …" : "")
        let count = foreign.count == 1 ? "1 entry" : "\(foreign.count) entries"
        throw OutputRefusal(path: path, "is a folder holding \(count) Polyglot did not write (\(shown)); choose another \(flag), or add --force to write into it (nothing in it is deleted)")
    }

    /// Refuses to write results into `path` unless it is a run folder (`eval`, `report`, `probe` write into the run).
    public static func requireRunFolder(_ path: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw OutputRefusal(path: path, "is not a folder; give a run folder (results/<run>)")
        }
        guard isRunFolder(URL(fileURLWithPath: path, isDirectory: true)) else {
            throw OutputRefusal(path: path, "is not a Polyglot run folder (no experiment.yaml and environment.json); results are written only into a run")
        }
    }

    // MARK: - Writing

    /// Writes one file after `checkFile`: atomically, never over a link or a device.
    public static func writeFile(_ data: Data, to path: String, flag: String = "--output", force: Bool, inputs: [CommandInput] = []) throws {
        try checkFile(path, flag: flag, force: force, inputs: inputs)
        try AtomicFile.write(data, to: URL(fileURLWithPath: path))
    }

    /// Writes `files` (plain names) as the folder output `path` of `kind`, with the marker naming them.
    public static func writeFolder(_ files: [String: Data], to path: String, kind: String, flag: String = "--output",
                                   force: Bool, inputs: [CommandInput] = []) throws {
        let plan = try checkFolder(path, kind: kind, flag: flag, force: force, inputs: inputs)
        let url = URL(fileURLWithPath: path, isDirectory: true)
        var names = Set(files.keys)
        if plan == .writeInto, let m = marker(of: url), m.kind == kind { names.formUnion(m.files) }
        let marker = Marker(writtenBy: "polyglot \(RuntimeInfo.polyglotVersion)", kind: kind, files: names.sorted())
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let markerData = try encoder.encode(marker)
        switch plan {
        case .create, .replace:
            var all = files
            all[markerName] = markerData
            try AtomicDirectory.write(all, to: url)
        case .writeInto:
            for (name, data) in files.sorted(by: { $0.key < $1.key }) {
                guard AtomicDirectory.isRelativeName(name), name != markerName else {
                    throw OutputRefusal(path: path, "file name \"\(name)\" must be a plain name or one subfolder and a plain name")
                }
                let file = url.appendingPathComponent(name)
                if name.contains("/") {
                    // A subfolder is created when missing, written into when it is a real folder, refused otherwise.
                    let sub = file.deletingLastPathComponent()
                    let entry = PathEntry(path: sub.path)
                    try refuseSpecial(entry, path: sub.path)
                    if entry == .missing {
                        do { try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: false) } catch {
                            throw OutputRefusal(path: sub.path, "cannot create the folder: \(error.localizedDescription)")
                        }
                    } else if entry != .folder {
                        throw OutputRefusal(path: sub.path, "\(entry.noun) is there, not a folder; choose another \(flag)")
                    }
                }
                try AtomicFile.write(data, to: file)
            }
            try AtomicFile.write(markerData, to: url.appendingPathComponent(markerName))
        }
    }

    // MARK: - Helpers

    static func refuseSpecial(_ entry: PathEntry, path: String) throws {
        switch entry {
        case .symbolicLink:
            throw OutputRefusal(path: path, "is a symbolic link; Polyglot never writes through one, not even with --force (give the real path)")
        case .fifo, .characterDevice, .blockDevice, .socket:
            throw OutputRefusal(path: path, "is \(entry.noun); Polyglot never replaces one, not even with --force")
        case .other:
            throw OutputRefusal(path: path, "cannot be inspected (lstat failed); not written")
        default:
            return
        }
    }

    /// A file inside a run folder or a marked output folder belongs to that folder's command.
    static func refuseInsideOwnedFolder(_ path: String, flag: String) throws {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        if isRunFolder(folder) {
            throw OutputRefusal(path: path, "is inside the Polyglot run folder \(folder.path), whose files only its own commands write; choose another \(flag)")
        }
        if let m = marker(of: folder) {
            throw OutputRefusal(path: path, "is inside a Polyglot \(m.kind) folder (\(folder.path)); choose another \(flag)")
        }
    }

    /// `path` resolved (symbolic links followed), then each folder above it up to `/`.
    static func ancestors(of path: String) -> [String] {
        var resolved = URL(fileURLWithPath: path).standardizedFileURL.path
        if let real = realpath(path, nil) {
            resolved = String(cString: real)
            free(real)
        }
        var out: [String] = [resolved]
        var current = resolved
        while true {
            let up = (current as NSString).deletingLastPathComponent
            if up.isEmpty || up == current { break }
            out.append(up)
            current = up
        }
        return out
    }
}
