import CapasMessages
import CapasModel
import Foundation

/// Shows training progress: a bar redrawn in place on a terminal, and one line
/// per epoch. `capas train` draws the bar on standard error and prints the lines;
/// the REPL sends both to the terminal it runs on.
public struct ProgressReporter {
    public let language: Language
    /// Whether to draw the bar (only a terminal can redraw a line with `\r`).
    public let terminal: Bool
    public let totalEpochs: Int
    let drawBar: (String) -> Void
    let printLine: (String) -> Void
    var lastDraw = Date.distantPast

    /// - Parameters:
    ///   - totalEpochs: the number shown after the slash ("epoch 2/5").
    ///   - bar: writes bar text as is (it starts with `\r`, nothing ends it).
    ///   - line: writes one finished line (without its newline).
    public init(language: Language, totalEpochs: Int, terminal: Bool,
                bar: @escaping (String) -> Void, line: @escaping (String) -> Void) {
        self.language = language
        self.totalEpochs = totalEpochs
        self.terminal = terminal
        drawBar = bar
        printLine = line
    }

    public mutating func handle(_ event: TrainingEvent) {
        let L = language
        switch event {
        case let .batch(epoch, batch, of, loss, accuracy, _, _):
            guard terminal, batch == of || Date().timeIntervalSince(lastDraw) > 0.1 else { return }
            lastDraw = Date()
            drawBar(Self.bar(language: L, epoch: epoch, totalEpochs: totalEpochs, batch: batch, of: of, loss: loss,
                             accuracy: accuracy))
        case let .epoch(r):
            if terminal { drawBar("\r\u{1B}[K") }
            printLine(Self.line(language: L, record: r, totalEpochs: totalEpochs))
        }
    }

    /// `\repoch 1/5 ██████░░░░ 300/938  loss 0.6012  acc 0.7803 `
    public static func bar(language L: Language, epoch: Int, totalEpochs: Int, batch: Int, of: Int, loss: Double,
                           accuracy: Double, width: Int = 30) -> String {
        let filled = of > 0 ? min(width, width * batch / of) : 0
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        return String(format: "\r%@ %d/%d %@ %d/%d  %@ %.4f  %@ %.4f ",
                      L.pick(es: "época", en: "epoch"), epoch, totalEpochs, bar, batch, of,
                      L.pick(es: "pérdida", en: "loss"), loss, L.pick(es: "exactitud", en: "acc"), accuracy)
    }

    /// `epoch 1/5  train loss 0.6706  train acc 0.7533  test acc 0.8134  19.2 s  3,127 img/s`
    public static func line(language L: Language, record r: EpochRecord, totalEpochs: Int) -> String {
        var line = String(format: "%@ %d/%d  %@ %.4f  %@ %.4f",
                          L.pick(es: "época", en: "epoch"), r.epoch, totalEpochs,
                          L.pick(es: "pérdida", en: "train loss"), r.trainLoss,
                          L.pick(es: "exactitud entrenamiento", en: "train acc"), r.trainAccuracy)
        if let test = r.testAccuracy {
            line += String(format: "  %@ %.4f", L.pick(es: "exactitud prueba", en: "test acc"), test)
        }
        let rate = r.imagesPerSecond.isFinite ? grouped(Int(r.imagesPerSecond.rounded()), language: L) : "—"
        line += String(format: "  %.1f s  %@ img/s", r.seconds, rate)
        return line
    }
}
