//! The command line speaks the terminal's language (LC_ALL, LC_MESSAGES, LANG; Chinese
//! when none names one we have): its help, its mistakes and what it reports.
use std::process::Command;

/// Runs the binary with only `vars` naming a language: (exit code, stdout + stderr).
fn tongcheng(args: &[&str], vars: &[(&str, &str)]) -> (Option<i32>, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tongcheng"));
    command.env_remove("LC_ALL").env_remove("LC_MESSAGES").env_remove("LANG").env("RUST_LOG", "error");
    for (name, value) in vars {
        command.env(name, value);
    }
    let out = command.args(args).output().expect("run tongcheng");
    (out.status.code(), String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr))
}

#[test]
fn help_follows_the_terminals_language() {
    let english = [("LANG", "en_US.UTF-8")];
    let (code, help) = tongcheng(&["--help"], &english);
    assert_eq!(code, Some(0));
    assert!(help.contains("Usage: tongcheng [COMMAND]") && help.contains("Check the data's invariants") && help.contains("Print help"), "{help}");
    for chinese in [&[][..], &[("LANG", "zh_CN.UTF-8")][..], &[("LC_MESSAGES", "zh_CN.UTF-8"), ("LANG", "en_US.UTF-8")][..], &[("LANG", "C")][..]] {
        let (code, help) = tongcheng(&["--help"], chinese);
        assert_eq!(code, Some(0));
        assert!(help.contains("用法： tongcheng [命令]") && help.contains("检查数据的不变量") && help.contains("显示帮助"), "{chinese:?}: {help}");
        assert!(!help.contains("Usage") && !help.contains("Print help") && !help.contains("Options"), "{chinese:?}: {help}");
    }
    let (_, help) = tongcheng(&["create-staff", "--help"], &[("LC_ALL", "zh_CN.UTF-8"), ("LANG", "en_US.UTF-8")]);
    assert!(help.contains("用法： tongcheng create-staff [选项] --email <邮箱>") && help.contains("默认 北京"), "{help}");
    assert!(!help.contains("[default") && !help.contains("[env"), "{help}");
    let (_, help) = tongcheng(&["create-staff", "--help"], &english);
    assert!(help.contains("Usage: tongcheng create-staff [OPTIONS] --email <EMAIL>") && help.contains("default 北京"), "{help}");
}

#[test]
fn a_mistake_on_the_command_line_is_said_in_the_terminals_language() {
    let (code, said) = tongcheng(&["chekc"], &[]);
    assert_eq!(code, Some(2));
    assert_eq!(said.trim(), "tongcheng: 无法识别的命令 chekc\n用法见 tongcheng --help。");
    let (code, said) = tongcheng(&["create-staff"], &[("LANG", "en_GB.UTF-8")]);
    assert_eq!(code, Some(2));
    assert_eq!(said.trim(), "tongcheng: missing --email <EMAIL>\nSee tongcheng --help.");
}
