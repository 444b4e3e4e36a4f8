import Foundation

/// Waits, polling every millisecond, until `condition` holds or `seconds` pass; answers
/// whether it held. Tests that wait for another thread's progress use it so that a broken
/// build fails the test instead of hanging the suite.
public func eventually(within seconds: Double = 30, _ condition: () throws -> Bool) async throws -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while try !condition() {
        if Date() > deadline { return false }
        try await Task.sleep(for: .milliseconds(1))
    }
    return true
}
