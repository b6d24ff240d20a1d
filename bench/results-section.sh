# bench/results-section.sh - sourced by the bench scripts that write a section of a results file.
#
#   write_section HEADING SECTION_FILE OUT
#
# Puts the markdown in SECTION_FILE (which starts with the line HEADING) into OUT in place of the section that starts
# with that heading and ends at the next "## " heading; appended when OUT has no such section; OUT is created if missing.
write_section() {
  local head=$1 section=$2 out=$3
  mkdir -p "$(dirname "$out")"
  if [ -f "$out" ]; then
    awk -v head="$head" -v file="$section" '
      function emit(  l) { while ((getline l < file) > 0) print l; close(file); done = 1 }
      $0 == head { emit(); skip = 1; next }
      skip && /^## / { skip = 0 }
      !skip { print }
      END { if (!done) { print ""; emit() } }' "$out" > "$out.tmp.$$"
    mv -f "$out.tmp.$$" "$out"
  else
    cp "$section" "$out"
  fi
}
