import Foundation

/// Files that run capas on course platforms: a Gradescope autograder bundle
/// and a GitHub Actions workflow for learners' repositories.
public enum Autograder {
    /// The apt packages capas needs at run time and to build.
    public static let aptPackages = "libopenblas-dev libedit-dev zlib1g-dev pkg-config git curl ca-certificates python3"

    /// Gradescope's `setup.sh`: installs Swift and the packages, builds capas
    /// from the bundled source. Gradescope runs it once, as root, in /autograder/source.
    public static func gradescopeSetup(swiftVersion: String) -> String {
        """
        #!/usr/bin/env bash
        # Gradescope runs this once to build the autograder image.
        set -euo pipefail
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq \(aptPackages) binutils libc6-dev libcurl4-openssl-dev libxml2-dev libncurses-dev
        if ! command -v swift >/dev/null; then
            . /etc/os-release
            platform="ubuntu${VERSION_ID}"; dir="ubuntu$(echo "$VERSION_ID" | tr -d .)"
            curl -fsSL "https://download.swift.org/swift-\(swiftVersion)-release/${dir}/swift-\(swiftVersion)-RELEASE/swift-\(swiftVersion)-RELEASE-${platform}.tar.gz" \\
                | tar -xz -C /opt
            ln -sf /opt/swift-\(swiftVersion)-RELEASE-${platform}/usr/bin/* /usr/local/bin/
        fi
        cd /autograder/source/capas
        swift build -c release --product capas
        ln -sf /autograder/source/capas/.build/release/capas /usr/local/bin/capas

        """
    }

    /// Gradescope's `run_autograder`: grades /autograder/submission with every
    /// check, the learner id from submission_metadata.json, into results.json.
    /// capas writes results.json itself; whatever the submission prints is not read.
    public static func gradescopeRun(exercise: String?) -> String {
        let only = exercise.map { " --exercise \($0)" } ?? ""
        return """
        #!/usr/bin/env bash
        # Gradescope runs this for every submission.
        set -uo pipefail
        learner=$(python3 -c 'import json; m = json.load(open("/autograder/submission_metadata.json")); u = m.get("users") or [{}]; print(u[0].get("email") or u[0].get("sid") or m.get("id", "unknown"))')
        mkdir -p /autograder/results
        capas grade /autograder/submission --course /autograder/source/course\(only) \\
            --learner "$learner" --format gradescope --output /autograder/results/results.json
        status=$?
        # 0 and 1 are grades; 2 and 3 mean the autograder is at fault: say so instead of a silent zero.
        if [ $status -ge 2 ] && [ ! -s /autograder/results/results.json ]; then
            echo '{"score": 0, "output": "capas could not grade this submission (exit '"$status"'); contact the instructor.", "tests": [], "visibility": "visible", "stdout_visibility": "hidden"}' \\
                > /autograder/results/results.json
        fi
        exit 0

        """
    }

    /// A workflow for learners' repositories: on every push, self-check the
    /// exercises and show the results as a JUnit report.
    public static func githubWorkflow(capasRepository: String, swiftVersion: String) -> String {
        """
        # capas self-check: runs the visible checks of every exercise on each push.
        # Hidden checks are graded by the instructor later.
        name: capas check
        on: [push, pull_request, workflow_dispatch]
        permissions:
          contents: read
          checks: write
        jobs:
          check:
            runs-on: ubuntu-22.04
            timeout-minutes: 30
            steps:
              - uses: actions/checkout@v4
              - uses: actions/checkout@v4
                with:
                  repository: \(capasRepository)
                  path: .capas
              - name: System packages
                run: sudo apt-get update -qq && sudo apt-get install -y -qq \(aptPackages)
              - uses: swift-actions/setup-swift@v2
                with:
                  swift-version: "\(swiftVersion)"
              - name: Build capas
                run: swift build -c release --product capas --package-path .capas
              - name: Self-check
                run: .capas/.build/release/capas check --submission . --format junit --output capas-junit.xml --lang es
              - uses: mikepenz/action-junit-report@v4
                if: always()
                with:
                  report_paths: capas-junit.xml
                  check_name: capas

        """
    }

    /// Writes the Gradescope bundle into `folder`: setup.sh, run_autograder,
    /// course/grading (with the secret: the bundle is the instructor's), and capas' source.
    public static func writeGradescope(course: Course, capasSource: URL, exercise: String?, swiftVersion: String,
                                       to folder: URL) throws {
        let fm = FileManager.default
        try fm.createDirectory(at: folder, withIntermediateDirectories: true)
        try write(gradescopeSetup(swiftVersion: swiftVersion), to: folder.appendingPathComponent("setup.sh"), executable: true)
        try write(gradescopeRun(exercise: exercise), to: folder.appendingPathComponent("run_autograder"), executable: true)
        let courseCopy = folder.appendingPathComponent("course")
        try? fm.removeItem(at: courseCopy)
        try fm.createDirectory(at: courseCopy, withIntermediateDirectories: true)
        try fm.copyItem(at: course.grading, to: courseCopy.appendingPathComponent("grading"))
        let source = folder.appendingPathComponent("capas")
        try? fm.removeItem(at: source)
        try fm.createDirectory(at: source, withIntermediateDirectories: true)
        for item in ["Package.swift", "Sources"] {
            let from = capasSource.appendingPathComponent(item)
            guard fm.fileExists(atPath: from.path) else {
                throw GraderError.exercise(path: capasSource.path, problem: Bilingual(
                    es: "no es el código de capas (falta \(item)); use --capas-source", en: "is not capas' source (no \(item)); use --capas-source"))
            }
            try fm.copyItem(at: from, to: source.appendingPathComponent(item))
        }
    }

    public static func writeGitHubWorkflow(capasRepository: String, swiftVersion: String, to folder: URL) throws -> URL {
        let dir = folder.appendingPathComponent(".github/workflows")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let file = dir.appendingPathComponent("capas-check.yml")
        try write(githubWorkflow(capasRepository: capasRepository, swiftVersion: swiftVersion), to: file, executable: false)
        return file
    }

    static func write(_ text: String, to url: URL, executable: Bool) throws {
        try Data(text.utf8).write(to: url, options: .atomic)
        if executable { try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: url.path) }
    }
}
