import CapasMessages
import Foundation

/// The kernelspec Jupyter finds capas by: `kernels/capas/kernel.json` in one of its data folders.
public struct KernelSpec {
    /// Where it goes: the user's Jupyter data folder, or `PREFIX/share/jupyter` (a virtual environment's, with --sys-prefix).
    public enum Place: Equatable {
        case user
        case prefix(String)
    }

    public static let name = "capas"

    /// The data folder Jupyter reads for the user: `$JUPYTER_DATA_DIR`, else `$XDG_DATA_HOME/jupyter`,
    /// else `~/.local/share/jupyter` (`~/Library/Jupyter` on macOS), as jupyter_core says.
    public static func userDataDirectory(environment: [String: String]) -> String {
        if let dir = environment["JUPYTER_DATA_DIR"], !dir.isEmpty { return dir }
        #if os(macOS)
        return (environment["HOME"] ?? NSHomeDirectory()) + "/Library/Jupyter"
        #else
        if let xdg = environment["XDG_DATA_HOME"], !xdg.isEmpty { return xdg + "/jupyter" }
        return (environment["HOME"] ?? NSHomeDirectory()) + "/.local/share/jupyter"
        #endif
    }

    /// The folder holding kernel.json.
    public static func directory(_ place: Place, environment: [String: String]) -> String {
        switch place {
        case .user: return userDataDirectory(environment: environment) + "/kernels/" + name
        case let .prefix(p): return (p as NSString).expandingTildeInPath + "/share/jupyter/kernels/" + name
        }
    }

    /// kernel.json: how Jupyter starts the kernel, and in which language it talks.
    public static func json(executable: String, language: Language) throws -> Data {
        let spec: [String: Any] = [
            "argv": [executable, "kernel", "-f", "{connection_file}"],
            "display_name": "capas",
            "language": "capas",
            "env": ["CAPAS_LANG": language.rawValue],
            "metadata": ["debugger": false],
        ]
        return try JSONSerialization.data(withJSONObject: spec, options: [.prettyPrinted, .sortedKeys])
    }

    /// Writes the kernelspec; returns its folder.
    @discardableResult
    public static func install(_ place: Place, executable: String, language: Language,
                               environment: [String: String]) throws -> String {
        let dir = directory(place, environment: environment)
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            try json(executable: executable, language: language).write(to: URL(fileURLWithPath: dir + "/kernel.json"), options: .atomic)
        } catch {
            throw KernelSpecError(folder: dir, detail: error.localizedDescription, removing: false)
        }
        return dir
    }

    /// Removes the kernelspec; returns its folder, or nil when there was none.
    public static func uninstall(_ place: Place, environment: [String: String]) throws -> String? {
        let dir = directory(place, environment: environment)
        guard FileManager.default.fileExists(atPath: dir) else { return nil }
        do { try FileManager.default.removeItem(atPath: dir) } catch {
            throw KernelSpecError(folder: dir, detail: error.localizedDescription, removing: true)
        }
        return dir
    }
}

public struct KernelSpecError: LocalizedMessage {
    let folder: String, detail: String, removing: Bool
    public func message(in L: Language) -> String {
        removing ? L.pick(es: "no se puede borrar \(folder): \(detail)", en: "cannot remove \(folder): \(detail)")
                 : L.pick(es: "no se puede escribir el kernelspec en \(folder): \(detail)",
                          en: "cannot write the kernelspec in \(folder): \(detail)")
    }
}
