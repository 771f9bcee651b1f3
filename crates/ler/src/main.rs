//! The `ler` command-line tool: keys, issuing and verifying Learning and Employment Records.

mod clock;
mod cmd_admin;
mod cmd_bake;
mod cmd_batch;
mod cmd_demo;
mod cmd_export;
mod cmd_issue;
mod cmd_key;
mod cmd_present;
mod cmd_serve;
mod cmd_status;
mod cmd_verify;
mod contexts;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// mimalloc: the verifier and the server allocate many small, short-lived values across
/// threads, where glibc's allocator spent over a third of the server's time (perf, under load).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Learning and Employment Records: verifiable credentials for what people learned and where
/// they worked (W3C VC 2.0, Open Badges 3.0, CLR 2.0).
#[derive(Parser)]
#[command(name = "ler", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Generate and inspect Ed25519 signing keys.
    Key {
        #[command(subcommand)]
        cmd: cmd_key::KeyCommand,
    },
    /// Sign a credential and print it.
    Issue(cmd_issue::IssueArgs),
    /// A guided tour: make a key, issue an Open Badge, verify it, and see tampering caught.
    Demo(cmd_demo::DemoArgs),
    /// Wrap credentials in a presentation signed by their holder.
    Present(cmd_present::PresentArgs),
    /// Verify credentials and report every check (exit 0: all verified, 1: some not, 2: error).
    Verify(cmd_verify::VerifyArgs),
    /// Bake a signed credential into a PNG or SVG badge image (Open Badges 3.0 baking).
    Bake(cmd_bake::BakeArgs),
    /// Print the credential baked into a PNG or SVG image.
    Unbake(cmd_bake::UnbakeArgs),
    /// Status lists: create, allocate entries, revoke or suspend, show, publish.
    Status {
        #[command(subcommand)]
        cmd: cmd_status::StatusCommand,
    },
    /// Run the issuing and verifying service (vcalm API, did:web and status lists per
    /// organization) until SIGINT or SIGTERM.
    Serve(cmd_serve::ServeArgs),
    /// Operator commands for the service: KEK, organizations, keys, API keys, staff.
    Admin {
        #[command(subcommand)]
        cmd: cmd_admin::AdminCommand,
    },
    /// Bulk issuance from learning-system exports (CSV, xAPI, OneRoster), idempotent and
    /// resumable, with claim links.
    Batch {
        #[command(subcommand)]
        cmd: cmd_batch::BatchCommand,
    },
    /// Sign and store a learner's CLR 2.0 transcript of what an organization issued them.
    Clr(cmd_batch::ClrArgs),
    /// Write credentials as an HR system reads them: HR Open LER-RS, JSON Resume or CSV.
    Export(cmd_export::ExportArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Key { cmd } => cmd_key::run(cmd).map(|()| ExitCode::SUCCESS),
        Command::Issue(args) => cmd_issue::run(args).map(|()| ExitCode::SUCCESS),
        Command::Verify(args) => cmd_verify::run(args),
        Command::Bake(args) => cmd_bake::bake(args).map(|()| ExitCode::SUCCESS),
        Command::Unbake(args) => cmd_bake::unbake(args).map(|()| ExitCode::SUCCESS),
        Command::Present(args) => cmd_present::run(args).map(|()| ExitCode::SUCCESS),
        Command::Demo(args) => cmd_demo::run(args),
        Command::Status { cmd } => cmd_status::run(cmd).map(|()| ExitCode::SUCCESS),
        Command::Serve(args) => cmd_serve::run(args).map(|()| ExitCode::SUCCESS),
        Command::Admin { cmd } => cmd_admin::run(cmd).map(|()| ExitCode::SUCCESS),
        Command::Batch { cmd } => cmd_batch::run(cmd),
        Command::Clr(args) => cmd_batch::clr(args).map(|()| ExitCode::SUCCESS),
        Command::Export(args) => cmd_export::run(args).map(|()| ExitCode::SUCCESS),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
