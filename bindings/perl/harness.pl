#!/usr/bin/perl
# Runs DBD::SQLite's t/*.t with TAP::Harness against the INSTALLED module (no blib) and prints
# per-file failures, then 'N passed, M failed, K skipped' counting assertions: passed excludes
# skipped ones; failed includes assertions missing from a file that died (planned - run) and
# one per file that exited non-zero without a failing assertion.
use strict;
use warnings;
use TAP::Harness;
my @files = sort glob("t/*.t");
my $h = TAP::Harness->new({ verbosity => -2, jobs => ($ENV{JOBS} || 2), lib => ['t/lib'] });
my $agg = $h->runtests(@files);
my ($passed, $failed, $skipped) = (0, 0, 0);
for my $f (@files) {
    my ($p) = $agg->parsers($f);
    next unless $p;
    my $sk = scalar($p->skipped);
    my $ok = scalar($p->passed) - $sk;
    my $bad = scalar($p->failed);
    my $planned = $p->tests_planned || 0;
    my $missing = $planned > $p->tests_run ? $planned - $p->tests_run : 0;
    $bad += $missing;
    $bad += 1 if $bad == 0 && ($p->exit || $p->wait) && !$p->skip_all;
    $passed += $ok; $failed += $bad; $skipped += $sk;
    printf "FAIL %s: %d failed (planned %d, ran %d, exit %d)\n", $f, $bad, $planned, $p->tests_run, $p->exit
        if $bad;
}
print "files: ", scalar(@files), "\n";
print "$passed passed, $failed failed, $skipped skipped\n";
