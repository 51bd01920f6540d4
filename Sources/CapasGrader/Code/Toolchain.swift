// Where the pieces of a learner's build come from: the Swift compiler, the
// CapasExercise module and objects, and the CSandbox object with the
// lockdown. All of them are products of the same SwiftPM build as the
// running grader (the module only loads in the compiler that built it).
//
// The build folder is found, in order:
//   1. `CAPAS_EXERCISE_MODULES`: a `Modules` folder (or the folder holding one);
//   2. the folder of the running executable (`capas`, or the test bundle
//      `swift test` runs), which SwiftPM puts next to `Modules`;
//   3. its parent folders, up to three levels.

import Foundation
#if canImport(Glibc)
import Glibc
#endif

struct Toolchain: Sendable {
    var swiftc: String
    /// The folder with `CapasExercise.swiftmodule`.
    var modules: String
    /// The objects to link: CapasExercise's and CSandbox's.
    var objects: [String]
    /// llvm-symbolizer or addr2line, for a crash's file and line.
    var symbolizer: String?

    /// The Swift runtime's shared libraries that a compiled harness loads.
    var runtimeLibraries: [String] {
        roots.map { $0 + "/usr/lib/swift/linux" }.filter { FileManager.default.fileExists(atPath: $0) }
    }

    /// The folders a sandboxed compile must see besides /usr: the
    /// toolchain's own installation (swiftc resolved, e.g. /opt/swift) and
    /// the symbolizer's.
    var roots: [String] {
        var found: [String] = []
        for tool in [swiftc, symbolizer].compactMap({ $0 }) {
            let real = URL(fileURLWithPath: tool).resolvingSymlinksInPath().path
            var root = ((real as NSString).deletingLastPathComponent as NSString).deletingLastPathComponent
            if (root as NSString).lastPathComponent == "usr" { root = (root as NSString).deletingLastPathComponent }
            if root.isEmpty || root == "/" || root == "/usr" || root.hasPrefix("/usr/") { continue }
            if !found.contains(root) { found.append(root) }
        }
        return found
    }

    static func locate() throws -> Toolchain {
        let environment = ProcessInfo.processInfo.environment
        var candidates: [String] = []
        if let override = environment["CAPAS_EXERCISE_MODULES"], !override.isEmpty {
            candidates.append(override.hasSuffix("/Modules") ? String(override.dropLast("/Modules".count)) : override)
        } else {
            let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
                ?? CommandLine.arguments.first ?? ""
            var folder = (executable as NSString).deletingLastPathComponent
            for _ in 0..<4 where !folder.isEmpty && folder != "/" {
                candidates.append(folder)
                folder = (folder as NSString).deletingLastPathComponent
            }
        }
        let fm = FileManager.default
        for products in candidates {
            let modules = products + "/Modules"
            guard fm.fileExists(atPath: modules + "/CapasExercise.swiftmodule") else { continue }
            let exercise = objects(in: products + "/CapasExercise.build")
            let sandbox = objects(in: products + "/CSandbox.build")
            guard !exercise.isEmpty, !sandbox.isEmpty else { continue }
            guard let swiftc = environment["CAPAS_SWIFTC"].flatMap({ fm.isExecutableFile(atPath: $0) ? $0 : nil })
                    ?? ToolProcess.find("swiftc", fallbacks: ["/opt/swift/usr/bin/swiftc", "/usr/bin/swiftc"]) else {
                throw GraderError.internalError(Bilingual(es: "no se encuentra el compilador de Swift (swiftc)",
                                                          en: "the Swift compiler (swiftc) cannot be found"))
            }
            let toolchainBin = ((try? fm.destinationOfSymbolicLink(atPath: swiftc)).map {
                $0.hasPrefix("/") ? $0 : ((swiftc as NSString).deletingLastPathComponent as NSString).appendingPathComponent($0)
            } ?? swiftc as String)
            let symbolizer = ToolProcess.find("llvm-symbolizer",
                                              fallbacks: [(toolchainBin as NSString).deletingLastPathComponent + "/llvm-symbolizer"])
                ?? ToolProcess.find("addr2line")
            return Toolchain(swiftc: swiftc, modules: modules, objects: exercise + sandbox, symbolizer: symbolizer)
        }
        throw GraderError.internalError(Bilingual(
            es: "no se encuentra el módulo CapasExercise compilado (busqué en \(candidates.joined(separator: ", "))); "
                + "compila capas con SwiftPM o indica la carpeta Modules con CAPAS_EXERCISE_MODULES",
            en: "the built CapasExercise module cannot be found (looked in \(candidates.joined(separator: ", "))); "
                + "build capas with SwiftPM or point CAPAS_EXERCISE_MODULES at its Modules folder"))
    }

    /// Compiled sources of a target (`*.swift.o`, `*.c.o`), not the module-wrap object.
    private static func objects(in folder: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.filter { ($0.hasSuffix(".swift.o") || $0.hasSuffix(".c.o")) }.sorted().map { folder + "/" + $0 }
    }

    /// Found once per process.
    static let shared: Result<Toolchain, GraderError> = {
        do { return .success(try locate()) } catch let error as GraderError { return .failure(error) } catch {
            return .failure(.internalError(Bilingual("\(error)")))
        }
    }()
}
