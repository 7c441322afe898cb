import io

from symconv.cli import main


def test_prove_all_exit_zero() -> None:
    out = io.StringIO()
    assert main(["prove"], out, io.StringIO()) == 0
    assert "proved" in out.getvalue()
