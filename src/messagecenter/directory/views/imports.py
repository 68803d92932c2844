"""The import wizard (R-CONTACT-3): upload → mapping → dry run → start → progress → report,
and undo within 24 hours."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from messagecenter.contacts import importer
from messagecenter.contacts.models import ContactImport
from messagecenter.core.errors import DomainError
from messagecenter.core.scoping import get_scoped
from messagecenter.directory import imports
from messagecenter.directory.forms import MappingForm, UploadForm
from messagecenter.files.models import StoredFile
from messagecenter.files.services import delete_file, store_file
from messagecenter.web.access import actor, operator_page

RECENT = 5


@operator_page
def import_upload(request):
    """Step 1: the file. A file that cannot be read as CSV is refused before anything else."""
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            stored = _store(request, form.cleaned_data["file"])
        except DomainError as error:
            form.add_error("file", str(error.message))
        else:
            return redirect("contact_import_map", stored.public_id)
    recent = ContactImport.objects.for_account(request.user.account).select_related("created_by")
    context = {
        "section": "contacts",
        "form": form,
        "recent": recent.order_by("-created_at")[:RECENT],
        "step": 1,
    }
    return render(request, "directory/import_upload.html", context, status=_status(form))


def _store(request, upload) -> StoredFile:
    stored = store_file(request.user.account, upload, upload.name, actor=actor(request))
    try:
        data = imports.read(stored)
        imports.require_text(stored, data)
        importer.preview(data)
    except DomainError:
        delete_file(stored)
        raise
    return stored


def _upload(request, file_id: str) -> StoredFile:
    """The wizard's file: only the operator who uploaded it reaches it."""
    return get_scoped(
        StoredFile, request.user.account, file_id, created_by_id=request.user.public_id
    )


def _mapping_form(request, stored: StoredFile, data=None) -> tuple[MappingForm, dict]:
    preview = importer.preview(imports.read(stored))
    form = MappingForm(
        data,
        columns=preview["columns"],
        targets=imports.targets(request.user.account_id),
        suggested=preview["suggested"],
    )
    return form, preview


@operator_page
def import_mapping(request, file_id: str):
    """Step 2: a target per column, with sample rows; GET parameters restore a choice."""
    stored = _upload(request, file_id)
    form, preview = _mapping_form(request, stored, request.GET or None)
    return _mapping_page(request, stored, form, preview)


def _mapping_page(request, stored, form, preview, *, status=200):
    context = {
        "section": "contacts",
        "stored": stored,
        "form": form,
        "columns": list(zip(form.column_fields(), _samples(preview), strict=True)),
        "step": 2,
    }
    return render(request, "directory/import_mapping.html", context, status=status)


def _samples(preview: dict) -> list[list[str]]:
    """Per column, its values in the sample rows (short rows padded)."""
    width = len(preview["columns"])
    rows = [row + [""] * (width - len(row)) for row in preview["rows"]]
    return [[row[i] for row in rows] for i in range(width)]


@operator_page
@require_POST
def import_check(request, file_id: str):
    """Step 3: the dry run: what would be created, updated, skipped and refused."""
    stored = _upload(request, file_id)
    form, preview = _mapping_form(request, stored, request.POST)
    if not form.is_valid():
        return _mapping_page(request, stored, form, preview, status=422)
    mapping, on_duplicate = form.mapping(), form.cleaned_data["on_duplicate"]
    try:
        result = importer.dry_run(request.user.account, imports.read(stored), mapping, on_duplicate)
    except DomainError as error:
        form.add_error(None, str(error.message))
        return _mapping_page(request, stored, form, preview, status=422)
    context = {
        "section": "contacts",
        "stored": stored,
        "form": form,
        "counts": result["counts"],
        "problems": imports.with_columns(result["problems"][: imports.SHOWN_PROBLEMS], mapping),
        "more_problems": max(0, len(result["problems"]) - imports.SHOWN_PROBLEMS),
        "back_query": _choices_query(request),
        "step": 3,
    }
    return render(request, "directory/import_check.html", context)


def _choices_query(request) -> str:
    choices = request.POST.copy()
    choices.pop("csrfmiddlewaretoken", None)
    return choices.urlencode()


@operator_page
@require_POST
def import_start(request, file_id: str):
    """Step 4: record the import and hand it to the job queue; its page shows progress."""
    stored = _upload(request, file_id)
    form, preview = _mapping_form(request, stored, request.POST)
    if not form.is_valid():
        return _mapping_page(request, stored, form, preview, status=422)
    try:
        # Counted before the job exists: a file the reader refuses starts nothing.
        total = imports.count_rows(imports.read(stored))
        job = importer.start_import(
            request.user.account,
            stored,
            form.mapping(),
            form.cleaned_data["on_duplicate"],
            actor=actor(request),
        )
    except DomainError as error:
        form.add_error(None, str(error.message))
        return _mapping_page(request, stored, form, preview, status=422)
    imports.remember_total(job, total)
    return redirect("contact_import_run", job.public_id)


@operator_page
@require_POST
def import_cancel(request, file_id: str):
    """Leave the wizard: the uploaded file (personal data) is deleted at once."""
    delete_file(_upload(request, file_id))
    messages.success(request, _("The import was cancelled and the file deleted."))
    return redirect("contact_import")


def _job(request, import_id: str) -> ContactImport:
    jobs = ContactImport.objects.select_related("created_by", "source")
    return get_scoped(jobs, request.user.account, import_id)


@operator_page
def import_run(request, import_id: str):
    """Steps 5 and 6: the live progress bar, then the result, the report and undo."""
    job = _job(request, import_id)
    undo = request.session.get(_undo_key(job), {})
    context = {
        "section": "contacts",
        "run": imports.run_of(job),
        "kept": imports.kept_contacts(request.user.account, undo.get("kept", [])),
        "kept_reason": undo.get("reason", ""),
        "step": 5,
    }
    return render(request, "directory/import_run.html", context)


@operator_page
def import_status(request, import_id: str):
    """The counters for the progress bar, polled every second while the job runs."""
    run = imports.run_of(_job(request, import_id))
    response = JsonResponse(run.status())
    response["Cache-Control"] = "no-store"
    return response


@operator_page
def import_report(request, import_id: str):
    job = _job(request, import_id)
    response = HttpResponse(imports.report_csv(job), content_type="text/csv; charset=utf-8")
    filename = f"import-report-{job.public_id}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@operator_page
@require_POST
def import_undo(request, import_id: str):
    job = _job(request, import_id)
    try:
        result = importer.undo_import(job, actor=actor(request))
    except DomainError as error:
        messages.error(request, str(error.message))
        return redirect("contact_import_run", job.public_id)
    request.session[_undo_key(job)] = {"kept": result["kept"], "reason": str(result["reason"])}
    messages.success(request, _("The import has been undone."))
    return redirect("contact_import_run", job.public_id)


def _undo_key(job: ContactImport) -> str:
    return f"directory:import-undo:{job.public_id}"


def _status(form) -> int:
    return 422 if form.is_bound and form.errors else 200
