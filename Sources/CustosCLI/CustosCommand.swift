public import ArgumentParser
import CustosLedger

/// The `custos` command.
public struct CustosCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "custos",
        abstract: "A tamper-evident lineage ledger and action-level approval gate.",
        discussion: """
            Every command takes --store PATH (or the CUSTOS_STORE environment variable), \
            defaulting to ./custos-data.

            Exit codes: 0 success; 1 verification found problems; 64 bad usage; \
            65 invalid input (nothing of the failing batch was written); 66 no store at the path; \
            69 the server cannot be reached; 74 storage error; 75 temporarily overloaded, retry, \
            or no decision in time; 77 not approved or not allowed. See docs/CLI.md.
            """,
        version: CustosVersion.current,
        subcommands: [
            InitCommand.self,
            AppendCommand.self,
            GetCommand.self,
            TailCommand.self,
            ExportCommand.self,
            VerifyCommand.self,
            CheckpointCommand.self,
            CheckpointsCommand.self,
            ProveCommand.self,
            VerifyProofCommand.self,
            QueryCommand.self,
            TraceCommand.self,
            MaskCommand.self,
            GateCommand.self,
            ApprovalsCommand.self,
            EvidenceCommand.self,
            VerifyBundleCommand.self,
            ServeCommand.self,
            KeysCommand.self,
            DemoCommand.self,
            StatsCommand.self,
        ]
    )

    public init() {}
}

/// The version of this build.
public enum CustosVersion {
    public static let current = CustosRelease.version
}
