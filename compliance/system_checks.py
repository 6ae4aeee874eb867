"""System checks: every standards file parses and every rule has its clause, text, check and thresholds."""
from django.core.checks import Error, register

from .standards import clear_cache, parse_file, standard_files, standards_dirs


@register("qm")
def check_standards(app_configs=None, **kwargs):
    dirs = standards_dirs()
    files = standard_files(dirs)
    if not files:
        return [Error(f"no standards files found in {', '.join(str(d) for d in dirs)}", id="qm.E101")]
    errors = []
    ids: dict[str, str] = {}
    for path in files:
        standard, problems = parse_file(path)
        for file, rule, message in problems:
            where = f"{file}, rule {rule}" if rule else file
            errors.append(Error(f"standards file {where}: {message}", obj=str(path), id="qm.E102"))
        if standard is not None:
            if standard.id in ids:
                errors.append(Error(f"standards file {path.name}: standard id {standard.id!r} is also defined in "
                                    f"{ids[standard.id]}", obj=str(path), id="qm.E103"))
            ids[standard.id] = path.name
    clear_cache()
    return errors
