//! `ichat account new|import|export|show|list|remove`.

use std::{io::Write, path::Path};

use anyhow::{anyhow, bail, Context as _, Result};
use ichat_crypto::{
	account::AccountError,
	keystore::{self as ks, PolkadotJsonError, StoredSecret},
	Mnemonic, Ss58Prefix, Suri, WordCount,
};
use serde::Serialize;

use crate::{
	cli::{
		AccountCommand, AccountExportArgs, AccountImportArgs, AccountNewArgs, AccountRemoveArgs,
		AccountShowArgs, Words,
	},
	context::Context,
	keystore::{validate_name, KeystoreError, Origin, PublicInfo},
	output::{field, Render, Style},
	prompt,
};

/// Run an `account` subcommand.
pub async fn run(command: AccountCommand, ctx: &Context) -> Result<()> {
	match command {
		AccountCommand::New(a) => new(a, ctx),
		AccountCommand::Import(a) => import(a, ctx),
		AccountCommand::Export(a) => export(a, ctx),
		AccountCommand::Show(a) => show(a, ctx),
		AccountCommand::List => list(ctx),
		AccountCommand::Remove(a) => remove(a, ctx),
	}
}

/// The default name of the first account.
pub const DEFAULT_NAME: &str = "default";

/// One account's public facts (`new`, `import`, `show`).
#[derive(Debug, Serialize)]
pub struct AccountReport {
	/// The public facts.
	#[serde(flatten)]
	pub info: PublicInfo,
	/// The encrypted key file.
	pub key_file: String,
	/// The mnemonic, only for `account new --json` (scripts must store it).
	#[serde(skip_serializing_if = "Option::is_none")]
	pub mnemonic: Option<String>,
}

impl Render for AccountReport {
	fn render(&self, s: &Style) -> String {
		let w = 16;
		let mut lines = vec![
			format!("{} {}", s.bold("Account"), s.bold(&self.info.name)),
			field(s, "address", &s.cyan(&self.info.address), w),
			field(s, "account id", &self.info.account_id, w),
			field(s, "chat key", &self.info.chat_key, w),
			field(s, "chat key index", &self.info.chat_key_index.to_string(), w),
		];
		if let Some(origin) = self.info.origin {
			let o = match origin {
				Origin::Generated => "created here",
				Origin::Mnemonic => "imported from a mnemonic",
				Origin::PolkadotJson => "imported from polkadot.js JSON",
			};
			lines.push(field(s, "origin", o, w));
		}
		lines.push(field(s, "key file", &self.key_file, w));
		lines.join("\n")
	}
}

fn report(ctx: &Context, info: PublicInfo, mnemonic: Option<String>) -> AccountReport {
	let key_file = ctx.keystore().key_path(&info.name).display().to_string();
	AccountReport { info, key_file, mnemonic }
}

fn check_new_name(ctx: &Context, name: &str) -> Result<()> {
	validate_name(name)?;
	if ctx.keystore().exists(name) {
		return Err(KeystoreError::AlreadyExists(name.to_owned()).into());
	}
	Ok(())
}

fn random_below(n: usize) -> usize {
	use std::hash::BuildHasher;
	// Not for keys: only picks which words to ask back.
	let r = std::collections::hash_map::RandomState::new().hash_one(std::time::Instant::now());
	(r % n as u64) as usize
}

fn quiz_positions(words: usize) -> Vec<usize> {
	let mut picked = Vec::new();
	while picked.len() < 3 {
		let p = random_below(words);
		if !picked.contains(&p) {
			picked.push(p);
		}
	}
	picked.sort();
	picked
}

fn print_words(mnemonic: &Mnemonic, s: &Style) -> Result<()> {
	let words: Vec<&str> = mnemonic.expose_phrase().split(' ').collect();
	let mut out = std::io::stdout().lock();
	writeln!(out, "{}", s.bold("Your recovery words (write them down, in order, on paper):"))?;
	writeln!(out)?;
	let cols = 4;
	let rows = words.len().div_ceil(cols);
	for r in 0..rows {
		let mut line = String::from("  ");
		for c in 0..cols {
			if let Some(w) = words.get(c * rows + r) {
				line.push_str(&format!("{:>2}. {:<10}", c * rows + r + 1, w));
			}
		}
		writeln!(out, "{}", line.trim_end())?;
	}
	writeln!(out)?;
	writeln!(
		out,
		"{} these words are the only way to recover this account and its funds. Anyone who\n\
		 sees them controls it; if you lose them, nobody can recover it. They are not shown again.\n",
		s.yellow("Important:")
	)?;
	out.flush()?;
	Ok(())
}

fn confirm_words(mnemonic: &Mnemonic) -> Result<()> {
	let words: Vec<&str> = mnemonic.expose_phrase().split(' ').collect();
	eprintln!();
	eprintln!("To check that you saved them, type three of the words.");
	for pos in quiz_positions(words.len()) {
		let mut tries = 0;
		loop {
			let answer = prompt::line(&format!("Word #{}: ", pos + 1))?;
			if answer.trim().eq_ignore_ascii_case(words[pos]) {
				break;
			}
			tries += 1;
			if tries == 3 {
				bail!(
					"word #{} was not confirmed: nothing was saved; run `ichat account new` again",
					pos + 1
				);
			}
			eprintln!("That is not word #{}. Check your copy and try again.", pos + 1);
		}
	}
	Ok(())
}

fn new(args: AccountNewArgs, ctx: &Context) -> Result<()> {
	let ks = ctx.keystore();
	let name = match args.name {
		Some(n) => n,
		None if ks.names()?.is_empty() => DEFAULT_NAME.to_owned(),
		None => bail!("name the new account with --name NAME"),
	};
	check_new_name(ctx, &name)?;
	let quiz = !args.yes_i_saved_it;
	if quiz && (ctx.out.is_json() || !prompt::is_interactive()) {
		bail!(
			"cannot ask you to confirm the recovery words without a terminal{}: pass --yes-i-saved-it \
			 if you store the words another way",
			if ctx.out.is_json() { " (--json)" } else { "" }
		);
	}
	let password = prompt::new_password(prompt::PASSWORD_ENV, &format!("account \"{name}\""))?;
	let count = match args.words {
		Words::Twelve => WordCount::Twelve,
		Words::TwentyFour => WordCount::TwentyFour,
	};
	let mnemonic = Mnemonic::generate(count);
	if !ctx.out.is_json() {
		print_words(&mnemonic, &ctx.out.stdout_style())?;
	}
	if quiz {
		confirm_words(&mnemonic)?;
	}
	let suri = Suri::from_mnemonic(&mnemonic, "")?;
	let info = ks.add(&name, StoredSecret::Suri(suri), &password, Origin::Generated)?;
	let phrase = ctx.out.is_json().then(|| mnemonic.expose_phrase().to_owned());
	ctx.out.print(&report(ctx, info, phrase))
}

/// A user-facing error for a SURI problem.
fn suri_error(e: AccountError) -> anyhow::Error {
	match e {
		AccountError::Mnemonic(m) => anyhow!("bad mnemonic: {m}"),
		AccountError::Empty => anyhow!("no mnemonic given"),
		AccountError::InvalidPath => {
			anyhow!("bad derivation path: use //hard, /soft and ///password parts, e.g. //Alice")
		},
		other => anyhow!("bad secret: {other}"),
	}
}

fn read_mnemonic(args: &AccountImportArgs) -> Result<zeroize::Zeroizing<String>> {
	if args.mnemonic_stdin {
		return prompt::stdin_line();
	}
	if !prompt::is_interactive() {
		bail!("no terminal to type the mnemonic: pipe it in with --mnemonic-stdin");
	}
	prompt::hidden_line("Mnemonic (hidden as you type): ")
}

fn import(args: AccountImportArgs, ctx: &Context) -> Result<()> {
	let ks = ctx.keystore();
	check_new_name(ctx, &args.name)?;
	let (secret, origin) = match &args.json_file {
		Some(path) => (import_json(path)?, Origin::PolkadotJson),
		None => {
			let phrase = read_mnemonic(&args)?;
			let mut suri = zeroize::Zeroizing::new(phrase.trim().to_owned());
			if let Some(path) = &args.path {
				if !path.starts_with('/') {
					bail!("bad derivation path {path:?}: it starts with / or //, e.g. //Alice");
				}
				suri.push_str(path);
			}
			(StoredSecret::Suri(Suri::parse(&suri).map_err(suri_error)?), Origin::Mnemonic)
		},
	};
	let id = secret.account().map_err(suri_error)?.id();
	if let Some(existing) = ks.find_by_id(&id)? {
		ctx.out
			.warn(&format!("this account is already in the keystore as \"{existing}\""));
	}
	let password =
		prompt::new_password(prompt::PASSWORD_ENV, &format!("account \"{}\"", args.name))?;
	let info = ks.add(&args.name, secret, &password, origin)?;
	ctx.out.print(&report(ctx, info, None))
}

fn import_json(path: &Path) -> Result<StoredSecret> {
	let text =
		std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
	let meta = ks::read_polkadot_json_meta(&text).with_context(|| path.display().to_string())?;
	let password = prompt::password(
		prompt::IMPORT_PASSWORD_ENV,
		&format!("Password of the polkadot.js file for {}: ", meta.address),
	)?;
	match ks::import_polkadot_json(&text, &password) {
		Ok(imported) => Ok(StoredSecret::Sr25519(imported.secret)),
		Err(PolkadotJsonError::WrongPassword) => {
			bail!("wrong password for the polkadot.js file {}", path.display())
		},
		Err(e) => Err(anyhow!("{}: {e}", path.display())),
	}
}

/// `account export` result.
#[derive(Debug, Serialize)]
pub struct ExportReport {
	/// The account name.
	pub name: String,
	/// Its address.
	pub address: String,
	/// The file written.
	pub file: String,
}

impl Render for ExportReport {
	fn render(&self, s: &Style) -> String {
		format!(
			"Exported {} ({}) to {}\nImport it in the polkadot.js extension, Talisman or SubWallet with the password you chose.",
			s.bold(&self.name),
			s.cyan(&self.address),
			s.bold(&self.file)
		)
	}
}

fn export(args: AccountExportArgs, ctx: &Context) -> Result<()> {
	let ks = ctx.keystore();
	let name = match args.name {
		Some(n) => ks.select(Some(&n))?,
		None => ctx.account_name()?,
	};
	let out = args.out.unwrap_or_else(|| format!("{name}.json").into());
	if out.exists()
		&& !prompt::confirm(
			&format!("{} exists. Overwrite it?", out.display()),
			&format!("overwrite {}", out.display()),
			ctx.settings.yes,
		)? {
		bail!("not exported: {} was kept", out.display());
	}
	let account = ks.unlock_interactive(&name)?;
	let password = prompt::new_password(prompt::EXPORT_PASSWORD_ENV, "the exported file")?;
	let json = ks::export_polkadot_json(&account, &name, &password, Ss58Prefix::ICHAT)?;
	write_private(&out, json.as_bytes())?;
	ctx.out.print(&ExportReport {
		name,
		address: account.address(Ss58Prefix::ICHAT),
		file: out.display().to_string(),
	})
}

fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
	let mut options = std::fs::OpenOptions::new();
	options.write(true).create(true).truncate(true);
	#[cfg(unix)]
	{
		use std::os::unix::fs::OpenOptionsExt;
		options.mode(0o600);
	}
	let mut f = options.open(path).with_context(|| format!("cannot write {}", path.display()))?;
	f.write_all(bytes).with_context(|| format!("cannot write {}", path.display()))?;
	Ok(())
}

fn show(args: AccountShowArgs, ctx: &Context) -> Result<()> {
	let ks = ctx.keystore();
	let name = match args.name {
		Some(n) => ks.select(Some(&n))?,
		None => ctx.account_name()?,
	};
	let info = ks.public_info(&name)?;
	ctx.out.print(&report(ctx, info, None))
}

/// One row of `account list`.
#[derive(Debug, Serialize)]
pub struct ListEntry {
	/// The name.
	pub name: String,
	/// SS58 address (prefix 4242).
	pub address: String,
	/// Chat public key, when cached.
	pub chat_key: Option<String>,
	/// Whether commands use this account by default.
	pub selected: bool,
}

/// `account list` result.
#[derive(Debug, Serialize)]
pub struct ListReport {
	/// The keystore directory.
	pub keystore: String,
	/// The accounts, by name.
	pub accounts: Vec<ListEntry>,
}

impl Render for ListReport {
	fn render(&self, s: &Style) -> String {
		if self.accounts.is_empty() {
			return format!(
				"No accounts in {}.\nCreate one with `ichat account new` or import one with `ichat account import NAME`.",
				self.keystore
			);
		}
		let width = self.accounts.iter().map(|a| a.name.len()).max().unwrap_or(0);
		self.accounts
			.iter()
			.map(|a| {
				let mark = if a.selected { s.green("*") } else { " ".into() };
				format!("{mark} {:<width$}  {}", a.name, s.cyan(&a.address))
			})
			.collect::<Vec<_>>()
			.join("\n")
	}
}

fn list(ctx: &Context) -> Result<()> {
	let ks = ctx.keystore();
	let selected = ks.select(ctx.settings.account.as_deref()).ok();
	let accounts = ks
		.list()?
		.into_iter()
		.map(|l| ListEntry {
			selected: selected.as_deref() == Some(l.name.as_str()),
			address: l.account.to_ss58(Ss58Prefix::ICHAT),
			chat_key: l.public.map(|p| p.chat_key),
			name: l.name,
		})
		.collect();
	ctx.out
		.print(&ListReport { keystore: ks.dir().display().to_string(), accounts })
}

/// `account remove` result.
#[derive(Debug, Serialize)]
pub struct RemoveReport {
	/// The removed account's name.
	pub removed: String,
	/// Its address.
	pub address: String,
}

impl Render for RemoveReport {
	fn render(&self, s: &Style) -> String {
		format!("Removed {} ({}) from the keystore.", s.bold(&self.removed), self.address)
	}
}

fn remove(args: AccountRemoveArgs, ctx: &Context) -> Result<()> {
	let ks = ctx.keystore();
	let id = ks.account_id(&args.name)?;
	let address = id.to_ss58(Ss58Prefix::ICHAT);
	let question = format!(
		"Delete account \"{}\" ({address})? Without its recovery words or an export it is gone for good.",
		args.name
	);
	let action = format!("delete account \"{}\"", args.name);
	if !prompt::confirm(&question, &action, ctx.settings.yes)? {
		bail!("not removed");
	}
	ks.remove(&args.name)?;
	ctx.out.print(&RemoveReport { removed: args.name, address })
}
