import Foundation

/// The contents of `argument` when it names a file (or `-`, standard input); otherwise the
/// argument itself, unless it must be a file.
func readTextOrFile(_ argument: String, mustBeFile: Bool) throws -> String {
    if argument == "-" {
        return String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
    }
    if FileManager.default.fileExists(atPath: argument) {
        guard let text = try? String(contentsOfFile: argument, encoding: .utf8) else {
            throw CLIError.invalidInput("cannot read \(argument)")
        }
        return text
    }
    if mustBeFile { throw CLIError.invalidInput("no file at \(argument)") }
    return argument
}
