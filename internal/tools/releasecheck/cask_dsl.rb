# Evaluates a Homebrew cask with the stanzas goreleaser writes, recording
# them, and prints them as JSON: the cask is Ruby, so Ruby is what reads it.
# An unknown stanza is an error. Usage: ruby cask_dsl.rb CASK.rb
require "json"

class CaskDSL
  attr_reader :r

  def initialize
    @r = { "packages" => [], "binaries" => [], "manpages" => [], "completions" => [] }
    @os = nil
    @arch = nil
  end

  def version(v = nil)
    @r["version"] = v if v
    @r["version"]
  end

  def on_macos = within(:@os, "darwin") { yield }
  def on_linux = within(:@os, "linux") { yield }
  def on_intel = within(:@arch, "amd64") { yield }
  def on_arm = within(:@arch, "arm64") { yield }

  def url(u, **_opts)
    @cur = { "os" => @os, "arch" => @arch, "url" => u }
    @r["packages"] << @cur
  end

  def sha256(s) = @cur["sha256"] = s
  def name(n) = @r["name"] = n
  def desc(_d) = nil
  def homepage(_h) = nil
  def livecheck = nil
  def binary(b, **_opts) = @r["binaries"] << b
  def manpage(m) = @r["manpages"] << m
  def bash_completion(p) = @r["completions"] << p
  def zsh_completion(p) = @r["completions"] << p
  def fish_completion(p) = @r["completions"] << p
  def postflight = @r["postflight"] = true
  def staged_path = "/staged"

  def method_missing(name, *_args)
    raise "unknown cask stanza #{name}"
  end

  def respond_to_missing?(*) = false

  private

  def within(var, value)
    prev = instance_variable_get(var)
    instance_variable_set(var, value)
    yield
  ensure
    instance_variable_set(var, prev)
  end
end

$dsl = CaskDSL.new

def cask(token, &block)
  $dsl.r["token"] = token
  $dsl.instance_eval(&block)
end

load ARGV.fetch(0)
puts JSON.generate($dsl.r)
